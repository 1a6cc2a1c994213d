package dev.history.common.http;

import io.javalin.Javalin;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a service does on SIGTERM so that no client behind the proxy sees a failed request: it reports not
 * ready at once ({@link #accepting} is one of its readiness checks, so the proxy's health check takes it out
 * of rotation) but keeps serving for {@code SHUTDOWN_DRAIN_MS}; then it stops HTTP, new connections refused
 * and requests in flight finished for up to {@code SHUTDOWN_GRACE_MS} (Jetty's graceful stop); only then does
 * it close its Kafka clients, which those requests still needed.
 */
public final class GracefulStop {
    private static final Logger LOG = LoggerFactory.getLogger(GracefulStop.class);

    private volatile boolean stopping;
    private Runnable afterDrain = () -> {};

    /**
     * Runs once the drain is over, before HTTP stops: ends what would otherwise hold the stop for the whole grace
     * period (live streams, whose browsers then reconnect through the proxy to an instance that stays).
     */
    public GracefulStop afterDrain(Runnable action) {
        this.afterDrain = action;
        return this;
    }

    /** A readiness check: false from the moment the stop began. */
    public boolean accepting() {
        return !stopping;
    }

    /** The JVM shutdown hook that stops {@code app} this way, then closes {@code after} in order. */
    public Thread hook(String name, Javalin app, HttpSettings settings, AutoCloseable... after) {
        return new Thread(() -> stop(app, settings, List.of(after)), name);
    }

    void stop(Javalin app, HttpSettings settings, List<AutoCloseable> after) {
        stopping = true;
        LOG.info("stopping: not ready from now on; serving {} ms more while the proxy notices, then up to {} ms for "
                + "requests in flight", settings.shutdownDrain().toMillis(), settings.shutdownGrace().toMillis());
        try {
            // A timed drain, not a synchronisation: the proxy only learns of it from its next health check.
            Thread.sleep(settings.shutdownDrain().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        afterDrain.run();
        app.stop();
        for (AutoCloseable resource : after) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("closing {} during the stop failed: {}", resource.getClass().getSimpleName(), e.toString());
            }
        }
        LOG.info("stopped");
    }
}
