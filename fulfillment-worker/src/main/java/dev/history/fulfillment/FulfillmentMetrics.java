package dev.history.fulfillment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * Webhook delivery metrics: {@code webhook_attempts_total{task,outcome,status}},
 * {@code webhook_latency_seconds{task}}, {@code fulfillment_completions_total{task,result}} (result
 * {@code failed} = dead-lettered), {@code fulfillment_in_flight}, and the worker consumer's own metrics.
 */
final class FulfillmentMetrics {
    private final MeterRegistry registry;

    FulfillmentMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The worker's consumer metrics, lag included ({@code kafka_consumer_fetch_manager_records_lag}). */
    void bind(Consumer<?, ?> consumer) {
        new KafkaClientMetrics(consumer).bindTo(registry);
    }

    void inFlight(Supplier<Number> pending) {
        registry.gauge("fulfillment.in.flight", pending, s -> s.get().doubleValue());
    }

    void attempt(String task, Outcome outcome) {
        Counter.builder("webhook.attempts")
                .tag("task", task)
                .tag("outcome", outcome.kind().name().toLowerCase())
                .tag("status", outcome.status() == null ? "none" : Integer.toString(outcome.status()))
                .register(registry).increment();
        if (outcome.status() != null) {
            Timer.builder("webhook.latency").tag("task", task).register(registry)
                    .record(Duration.ofMillis(outcome.latencyMs()));
        }
    }

    /** {@code fulfillment_poison_records_total{topic,error}}: unreadable input records sent to the dead-letter topic. */
    void poison(String topic, Exception error) {
        Counter.builder("fulfillment.poison.records")
                .tag("topic", topic)
                .tag("error", error.getClass().getSimpleName())
                .register(registry).increment();
    }

    void step(String task, NextStep step) {
        if (step.kind() == NextStep.Kind.RETRY) return;
        Counter.builder("fulfillment.completions")
                .tag("task", task)
                .tag("result", step.kind() == NextStep.Kind.SUCCEEDED ? "succeeded" : "failed")
                .register(registry).increment();
    }
}
