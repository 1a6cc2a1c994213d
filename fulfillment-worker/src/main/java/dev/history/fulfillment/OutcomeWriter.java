package dev.history.fulfillment;

import dev.history.common.HistoryCommand;
import dev.history.common.Json;
import dev.history.common.Timestamps;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Every Kafka write of the module, each returning a future that completes once the broker acknowledged
 * ({@code acks=all}): callers advance offsets or answer HTTP only after that. The records of one outcome
 * (status, child event, next attempt or dead letter) are written together; if the process dies in
 * between, the attempt's record is re-read and its outcome rewritten with the same keys and event ids.
 */
final class OutcomeWriter {
    /** Dead-letter header names. */
    static final String H_ORIGINAL_TOPIC = DeadLetters.ORIGINAL_TOPIC;
    static final String H_ORIGINAL_PARTITION = DeadLetters.ORIGINAL_PARTITION;
    static final String H_ORIGINAL_OFFSET = DeadLetters.ORIGINAL_OFFSET;
    static final String H_ATTEMPTS = DeadLetters.ATTEMPTS;
    static final String H_LAST_ERROR = DeadLetters.LAST_ERROR;
    static final String H_LAST_STATUS = DeadLetters.LAST_STATUS;
    static final String H_TASK = DeadLetters.TASK;
    static final String H_FAILED_AT = DeadLetters.FAILED_AT;
    static final String H_REDRIVES = DeadLetters.REDRIVES;

    private final Producer<String, byte[]> producer;
    private final FulfillmentTopics topics;
    private final String historyTopic;

    OutcomeWriter(Producer<String, byte[]> producer, FulfillmentTopics topics, String historyTopic) {
        this.producer = producer;
        this.topics = topics;
        this.historyTopic = historyTopic;
    }

    /**
     * Makes an accepted request durable: the pending status first, then the request and its "requested"
     * child event. Status first, so on the compacted status topic a pending record can never land after
     * the worker's outcome for the same request.
     */
    CompletableFuture<Void> accept(FulfillmentRequest r, FulfillmentStatus pending) {
        return send(topics.status(), r.id(), Json.write(pending), null)
                .thenCompose(m -> all(List.of(
                        send(topics.requests(), r.id(), Json.write(r), null),
                        history(ChildEvents.requested(r)))));
    }

    /** Writes the outcome of one attempt; completes with the new status once everything is durable. */
    CompletableFuture<FulfillmentStatus> record(Job job, FulfillmentStatus before, Outcome outcome, NextStep step, Instant now) {
        FulfillmentRequest r = job.request();
        String state = switch (step.kind()) {
            case SUCCEEDED -> FulfillmentStatus.SUCCEEDED;
            case RETRY -> FulfillmentStatus.RETRYING;
            case FAILED -> FulfillmentStatus.FAILED;
        };
        FulfillmentStatus.Attempt attempt = new FulfillmentStatus.Attempt(job.attempt(), outcome.status(),
                outcome.latencyMs(), Timestamps.format(outcome.startedAt()), outcome.kind().name().toLowerCase(),
                outcome.kind() == Outcome.Kind.SUCCESS ? null : outcome.describe());
        String nextAt = step.nextAttemptAt() == null ? null : Timestamps.format(step.nextAttemptAt());
        FulfillmentStatus after = before.after(attempt, state, nextAt, Timestamps.format(now));
        if (step.kind() == NextStep.Kind.FAILED) {
            after = new FulfillmentStatus(after.id(), after.task(), after.taskName(), after.username(), after.state(),
                    after.version(), after.attempts(), null, step.reason(), after.createdAt(), after.updatedAt(),
                    after.redrives());
        }

        List<CompletableFuture<RecordMetadata>> writes = new ArrayList<>();
        writes.add(send(topics.status(), r.id(), Json.write(after), null));
        switch (step.kind()) {
            case SUCCEEDED -> writes.add(history(ChildEvents.succeeded(r, job.generation(), job.attempt())));
            case RETRY -> {
                writes.add(history(ChildEvents.attemptFailed(r, job.generation(), job.attempt(), outcome, step.nextAttemptAt())));
                RetryRecord next = new RetryRecord(r, job.attempt() + 1, step.nextAttemptAt().toEpochMilli(), job.origin(),
                        job.redrive());
                writes.add(send(topics.retries(), r.id(), Json.write(next), null));
            }
            case FAILED -> {
                writes.add(history(ChildEvents.failed(r, job.generation(), job.attempt(), step.reason())));
                writes.add(deadLetter(job, r, outcome.status(), step.reason(), now));
            }
        }
        FulfillmentStatus result = after;
        return all(writes).thenApply(v -> result);
    }

    /**
     * Starts redriven chain {@code job.generation()}: its pending status (which remembers that this redrive
     * was started, see {@link Redrive}) and the "redriven" child event; completes with the status once both
     * are durable. Written again with the same key and event id if the redrive record is re-read.
     */
    CompletableFuture<FulfillmentStatus> redriven(Job job, Instant now) {
        FulfillmentRequest r = job.request();
        FulfillmentStatus started = FulfillmentStatus.redriven(r, job.generation(), Timestamps.format(now));
        return all(List.of(
                send(topics.status(), r.id(), Json.write(started), null),
                history(ChildEvents.redriven(r, job.generation())))).thenApply(v -> started);
    }

    /** A record that cannot even be read goes to the dead-letter topic as it was. */
    CompletableFuture<RecordMetadata> unreadable(String topic, int partition, long offset, String key, byte[] value, String error) {
        Headers h = new RecordHeaders();
        h.add(H_ORIGINAL_TOPIC, bytes(topic));
        h.add(H_ORIGINAL_PARTITION, bytes(Integer.toString(partition)));
        h.add(H_ORIGINAL_OFFSET, bytes(Long.toString(offset)));
        h.add(H_ATTEMPTS, bytes("0"));
        h.add(H_LAST_ERROR, bytes(error));
        h.add(H_FAILED_AT, bytes(Timestamps.now()));
        return send(topics.deadLetters(), key, value, h);
    }

    private CompletableFuture<RecordMetadata> deadLetter(Job job, FulfillmentRequest r, Integer status, String reason, Instant now) {
        Headers h = new RecordHeaders();
        RetryRecord.Origin o = job.origin();
        h.add(H_ORIGINAL_TOPIC, bytes(o.topic()));
        h.add(H_ORIGINAL_PARTITION, bytes(Integer.toString(o.partition())));
        h.add(H_ORIGINAL_OFFSET, bytes(Long.toString(o.offset())));
        h.add(H_ATTEMPTS, bytes(Integer.toString(job.attempt())));
        h.add(H_LAST_ERROR, bytes(reason));
        if (status != null) h.add(H_LAST_STATUS, bytes(Integer.toString(status)));
        h.add(H_TASK, bytes(r.taskId()));
        h.add(H_FAILED_AT, bytes(Timestamps.format(now)));
        h.add(H_REDRIVES, bytes(Integer.toString(job.generation())));
        return send(topics.deadLetters(), r.id(), Json.write(r), h);
    }

    private CompletableFuture<RecordMetadata> history(HistoryCommand command) {
        return send(historyTopic, command.username(), Json.write(command), null);
    }

    private CompletableFuture<RecordMetadata> send(String topic, String key, byte[] value, Headers headers) {
        CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, null, key, value, headers), (metadata, error) -> {
                if (error != null) f.completeExceptionally(error);
                else f.complete(metadata);
            });
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    private static CompletableFuture<Void> all(List<CompletableFuture<RecordMetadata>> writes) {
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    private static byte[] bytes(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
