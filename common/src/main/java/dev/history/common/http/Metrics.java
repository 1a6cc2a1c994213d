package dev.history.common.http;

import io.javalin.config.JavalinConfig;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * One Prometheus registry per process, scraped at {@code GET /metrics}: HTTP requests by route and
 * status ({@code http_server_requests_seconds}), JVM, and the Kafka clients' own metrics (producer,
 * consumer lag, Streams) bound with Micrometer's Kafka binders.
 */
public final class Metrics {
    private static final String STARTED = "metrics.started";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public Metrics(String service) {
        registry.config().commonTags("service", service);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public Metrics bind(Producer<?, ?> producer) {
        new KafkaClientMetrics(producer).bindTo(registry);
        return this;
    }

    public Metrics bind(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer) {
        new KafkaClientMetrics(consumer).bindTo(registry);
        return this;
    }

    /** Times every request by method, matched route (not raw path: bounded cardinality) and status. */
    public Consumer<JavalinConfig> http() {
        return config -> {
            config.routes.before(ctx -> ctx.attribute(STARTED, System.nanoTime()));
            config.routes.after(ctx -> {
                Long started = ctx.attribute(STARTED);
                if (started == null) return;
                Endpoint endpoint = ctx.endpoints().lastHttpEndpoint();
                Timer.builder("http.server.requests")
                        .tag("method", ctx.method().name())
                        .tag("route", endpoint == null ? "unmatched" : endpoint.path)
                        .tag("status", Integer.toString(ctx.statusCode()))
                        .publishPercentileHistogram(false)
                        .register(registry)
                        .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            });
            config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(registry.scrape()));
        };
    }
}
