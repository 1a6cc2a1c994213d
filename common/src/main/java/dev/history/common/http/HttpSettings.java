package dev.history.common.http;

import dev.history.common.Env;
import java.time.Duration;
import java.util.List;

/**
 * HTTP server settings shared by every service.
 *
 * @param corsOrigins allowed browser origins; {@code *} or none listed allows any while authentication is off
 *     (with it on, only the listed ones: see {@code Cors})
 * @param maxRequestBytes the largest body accepted (batches); single events have their own limit
 * @param shutdownDrain on SIGTERM, how long a service keeps serving while reporting not ready (longer than the
 *     proxy's health-check interval, so that it stops sending requests first: see {@link GracefulStop})
 * @param shutdownGrace then, how long stopping HTTP waits for requests in flight
 */
public record HttpSettings(int port, List<String> corsOrigins, long maxRequestBytes, int maxThreads,
        Duration shutdownDrain, Duration shutdownGrace) {

    public static HttpSettings from(Env env) {
        return new HttpSettings(
                env.getInt("HTTP_PORT", 8080),
                env.getList("CORS_ORIGINS", ""),
                env.getLong("HTTP_MAX_REQUEST_BYTES", 5L * 1024 * 1024),
                env.getInt("HTTP_MAX_THREADS", 200),
                Duration.ofMillis(env.getLong("SHUTDOWN_DRAIN_MS", 5_000)),
                Duration.ofMillis(env.getLong("SHUTDOWN_GRACE_MS", 10_000)));
    }

    public HttpSettings withPort(int newPort) {
        return new HttpSettings(newPort, corsOrigins, maxRequestBytes, maxThreads, shutdownDrain, shutdownGrace);
    }
}
