package dev.history.fulfillment;

import dev.history.common.HistoryCommand;
import dev.history.common.Json;
import dev.history.common.Timestamps;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records of each fulfillment step, built here and written by a {@link TransactionalWriter} as one
 * transaction: an accept (pending status, request, "requested" child event), an attempt's outcome
 * (status, child event, and the next retry or the dead letter), a redrive start, an unreadable record's
 * dead letter. Status records come first within a step, so on the compacted status topic an older status
 * never lands after a newer one of the same request.
 */
final class OutcomeRecords {
    private static final Logger LOG = LoggerFactory.getLogger(OutcomeRecords.class);

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

    /** The records of one step and the status they make the request's latest (null: none). */
    record Step(List<ProducerRecord<String, byte[]>> records, FulfillmentStatus status, String kind) {}

    private final FulfillmentTopics topics;
    private final String historyTopic;
    private final ChildEvents children;
    private final FulfillmentSealing sealing;

    OutcomeRecords(FulfillmentTopics topics, String historyTopic, ChildEvents children) {
        this(topics, historyTopic, children, new FulfillmentSealing(dev.history.common.privacy.Privacy.disabled()));
    }

    /** @param sealing what every written request, status and child event goes through */
    OutcomeRecords(FulfillmentTopics topics, String historyTopic, ChildEvents children, FulfillmentSealing sealing) {
        this.sealing = sealing;
        this.topics = topics;
        this.historyTopic = historyTopic;
        this.children = children;
    }

    FulfillmentSealing sealing() {
        return sealing;
    }

    /** Indexes in {@link #accept}'s records of the status and request records, whose positions are the answer's token. */
    static final int ACCEPT_STATUS_INDEX = 0;
    static final int ACCEPT_REQUEST_INDEX = 1;

    /**
     * An accepted request: its pending status, the request, the "requested" child event. The request must
     * pass the event rules ({@link ChildEvents#refusals}); {@link ChildEvents.Refused} otherwise.
     */
    Step accept(FulfillmentRequest r, FulfillmentStatus pending) {
        FulfillmentStatus sealed = sealing.seal(pending);
        return new Step(List.of(
                record(topics.status(), r.id(), Json.write(sealed), null),
                record(topics.requests(), r.id(), Json.write(sealing.seal(r)), null),
                history(children.requested(r))), sealed, "accept");
    }

    /** The outcome of one attempt. */
    Step outcome(Job job, FulfillmentStatus before, Outcome outcome, NextStep step, Instant now) {
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
        FulfillmentStatus after = sealing.seal(before.after(attempt, state, nextAt, Timestamps.format(now)));
        if (step.kind() == NextStep.Kind.FAILED) {
            after = new FulfillmentStatus(after.id(), after.task(), after.taskName(), after.username(), after.state(),
                    after.version(), after.attempts(), null, step.reason(), after.createdAt(), after.updatedAt(),
                    after.redrives());
        }
        List<ProducerRecord<String, byte[]>> writes = new ArrayList<>();
        writes.add(record(topics.status(), r.id(), Json.write(after), null));
        String kind;
        switch (step.kind()) {
            case SUCCEEDED -> {
                addHistory(writes, r, () -> children.succeeded(r, job.generation(), job.attempt()));
                kind = "success";
            }
            case RETRY -> {
                addHistory(writes, r, () -> children.attemptFailed(r, job.generation(), job.attempt(), outcome, step.nextAttemptAt()));
                RetryRecord next = new RetryRecord(sealing.seal(r), job.attempt() + 1, step.nextAttemptAt().toEpochMilli(), job.origin(),
                        job.redrive());
                writes.add(record(topics.retries(), r.id(), Json.write(next), null));
                kind = "retry";
            }
            default -> {
                addHistory(writes, r, () -> children.failed(r, job.generation(), job.attempt(), step.reason()));
                writes.add(deadLetter(job, r, outcome.status(), step.reason(), now));
                kind = "fail";
            }
        }
        return new Step(writes, after, kind);
    }

    /**
     * Starts redriven chain {@code job.generation()}: its pending status (which remembers that this redrive
     * was started, see {@link Redrive}) and the "redriven" child event.
     */
    Step redriven(Job job, Instant now) {
        FulfillmentRequest r = job.request();
        FulfillmentStatus started = sealing.seal(FulfillmentStatus.redriven(r, job.generation(), Timestamps.format(now)));
        List<ProducerRecord<String, byte[]>> writes = new ArrayList<>();
        writes.add(record(topics.status(), r.id(), Json.write(started), null));
        addHistory(writes, r, () -> children.redriven(r, job.generation()));
        return new Step(writes, started, "redriven");
    }

    /** A record that cannot be read goes to the dead-letter topic as it was, with its origin and the error. */
    Step unreadable(String topic, int partition, long offset, String key, byte[] value, String error) {
        Headers h = new RecordHeaders();
        h.add(H_ORIGINAL_TOPIC, bytes(topic));
        h.add(H_ORIGINAL_PARTITION, bytes(Integer.toString(partition)));
        h.add(H_ORIGINAL_OFFSET, bytes(Long.toString(offset)));
        h.add(H_ATTEMPTS, bytes("0"));
        h.add(H_LAST_ERROR, bytes(error));
        h.add(H_FAILED_AT, bytes(Timestamps.now()));
        return new Step(List.of(record(topics.deadLetters(), key, value, h)), null, "unreadable");
    }

    private ProducerRecord<String, byte[]> deadLetter(Job job, FulfillmentRequest r, Integer status, String reason, Instant now) {
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
        return record(topics.deadLetters(), r.id(), Json.write(sealing.seal(r)), h);
    }

    /**
     * Adds a child event of a request being delivered. One the event rules refuse (a request accepted before
     * they applied to fulfillment, e.g. with a username over the limit) is left out, and the delivery goes on.
     */
    private void addHistory(List<ProducerRecord<String, byte[]>> writes, FulfillmentRequest r, Supplier<HistoryCommand> child) {
        try {
            writes.add(history(child.get()));
        } catch (ChildEvents.Refused e) {
            LOG.warn("request {} task {}: child event not written to {}: {}", r.id(), r.taskId(), historyTopic, e.errors);
        }
    }

    private ProducerRecord<String, byte[]> history(HistoryCommand plain) {
        HistoryCommand command = sealing.seal(plain);
        return record(historyTopic, command.username(), Json.write(command), null);
    }

    private static ProducerRecord<String, byte[]> record(String topic, String key, byte[] value, Headers headers) {
        return new ProducerRecord<>(topic, null, key, value, headers);
    }

    private static byte[] bytes(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
