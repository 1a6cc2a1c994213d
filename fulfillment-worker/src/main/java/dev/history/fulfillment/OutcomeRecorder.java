package dev.history.fulfillment;

import dev.history.common.Timestamps;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records outcomes, on the poll thread: collects the steps finished since the last flush (outcomes,
 * redrive starts, dead letters of unreadable records) and writes them with the consumed offsets as one
 * transaction ({@code sendOffsetsToTransaction}). Only after the commit are statuses applied, holds
 * released and offsets advanced, so every crash point is either "nothing of the step" (the record is
 * re-read and the attempt runs again) or "all of it" (the re-read record is skipped). A failed
 * transaction keeps the batch and tries again after a short back-off; the offsets stay where they were,
 * so an unreadable record whose dead letter cannot be written is never committed past.
 */
final class OutcomeRecorder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OutcomeRecorder.class);

    /**
     * One step to commit: its records; its work (or null) and whether the commit ends that work; the offset
     * it finishes (or -1); what runs after the commit.
     */
    private record Item(OutcomeRecords.Step step, Work work, boolean ends, TopicPartition tp, long offset, int epoch,
                        Runnable after) {}

    private final FulfillmentConfig config;
    private final StatusStore view;
    private final OutcomeRecords records;
    private final TransactionalWriter writer;
    private final OffsetTracker offsets;
    private final Clock clock;
    private final FulfillmentMetrics metrics;
    private final Consumer<Work> release;
    private final Map<TopicPartition, Integer> epochs;
    private final List<Item> batch = new ArrayList<>();
    private final List<Item> deadLetters = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong failedDeadLetterWrites = new java.util.concurrent.atomic.AtomicLong();
    private long lastCommit;
    private long retryAt;
    private int failures;
    private long deadLetterRetryAt;
    private int deadLetterFailures;

    OutcomeRecorder(FulfillmentConfig config, StatusStore view, OutcomeRecords records, TransactionalWriter writer,
            OffsetTracker offsets, Clock clock, FulfillmentMetrics metrics, Consumer<Work> release,
            Map<TopicPartition, Integer> epochs) {
        this.config = config;
        this.view = view;
        this.records = records;
        this.writer = writer;
        this.offsets = offsets;
        this.clock = clock;
        this.metrics = metrics;
        this.release = release;
        this.epochs = epochs;
    }

    boolean hasWork() {
        return !batch.isEmpty() || !deadLetters.isEmpty();
    }

    /** The outcome of a call: status, child event, and next retry or dead letter. */
    void outcome(Work work, RetryPolicy policy, Outcome outcome) {
        Job job = work.job;
        Instant now = clock.instant();
        FulfillmentRequest r = job.request();
        FulfillmentStatus before = view.get(r.id()).filter(s -> s.redrives() == job.generation())
                .orElse(job.generation() == 0 ? FulfillmentStatus.pending(r)
                        : FulfillmentStatus.redriven(r, job.generation(), Timestamps.format(now)));
        // A redriven chain gets the whole FULFILLMENT_MAX_AGE again, counted from the redrive.
        String chainStart = job.redrive() != null && job.redrive().requestedAt() != null
                ? job.redrive().requestedAt() : r.createdAt();
        Instant created = chainStart == null ? now : Timestamps.parse(chainStart);
        NextStep step = NextStep.after(outcome, job.attempt(), policy, created, now);
        // Successes at DEBUG: at thousands per second a line each costs ~10 % of the worker's CPU; the
        // status topic and the webhook metrics keep the record. Retries and give-ups stay visible.
        if (outcome.kind() == Outcome.Kind.SUCCESS ? LOG.isDebugEnabled() : LOG.isInfoEnabled()) {
            String line = "request {} task {} attempt {}: {} -> {} key={} topic={} partition={} offset={}";
            Object[] args = {r.id(), r.taskId(), job.attempt(),
                    outcome.kind() == Outcome.Kind.SUCCESS ? "HTTP " + outcome.status() : outcome.describe(),
                    step.kind(), r.id(), job.source().topic(), job.source().partition(), job.offset()};
            if (outcome.kind() == Outcome.Kind.SUCCESS) LOG.debug(line, args);
            else LOG.info(line, args);
        }
        metrics.attempt(r.taskId(), outcome);
        metrics.step(r.taskId(), step);
        batch.add(new Item(records.outcome(job, before, outcome, step, now), work, true, job.source(), job.offset(), work.epoch, null));
    }

    /** The start of a redriven chain; {@code then} runs once it is committed. */
    void redriven(Work work, Runnable then) {
        batch.add(new Item(records.redriven(work.job, clock.instant()), work, false, work.job.source(), -1, work.epoch, then));
    }

    /** An unreadable record's dead letter, committed together with the record's offset. */
    void unreadable(ConsumerRecord<String, byte[]> record, String error, int epoch) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        deadLetters.add(new Item(records.unreadable(record.topic(), record.partition(), record.offset(), record.key(),
                record.value(), error), null, false, tp, record.offset(), epoch, null));
    }

    /**
     * Commits the batch and the offsets it makes committable, in one transaction. Without a batch, offsets
     * that moved (skipped records) are committed every {@code FULFILLMENT_COMMIT_INTERVAL_MS}, or now when
     * {@code force}. Dead letters of unreadable records go in a transaction of their own, so a dead-letter
     * topic that cannot be written holds back only its own records' offsets, not other outcomes.
     */
    void flush(KafkaConsumer<String, byte[]> consumer, boolean force) {
        long now = System.currentTimeMillis();
        dropStale(batch);
        dropStale(deadLetters);
        if (now >= retryAt && (!batch.isEmpty() || force || now - lastCommit >= config.commitInterval().toMillis())) {
            lastCommit = now;
            if (commit(consumer, batch)) {
                failures = 0;
            } else {
                failures++;
                retryAt = now + backoff(failures);
            }
        }
        if (!deadLetters.isEmpty() && now >= deadLetterRetryAt) {
            if (commit(consumer, deadLetters)) {
                deadLetterFailures = 0;
            } else {
                deadLetterFailures++;
                failedDeadLetterWrites.incrementAndGet();
                deadLetterRetryAt = now + backoff(deadLetterFailures);
            }
        }
    }

    /** Steps of partitions that moved away are not written: the new owner re-reads their records. */
    private void dropStale(List<Item> items) {
        items.removeIf(item -> {
            Integer epoch = epochs.get(item.tp());
            if (epoch != null && epoch == item.epoch()) return false;
            if (item.work() != null) release.accept(item.work());
            return true;
        });
    }

    private static long backoff(int failures) {
        return Math.min(5_000, 100L << Math.min(failures, 6));
    }

    /** One transaction: {@code items} and every offset that became committable; false (and nothing changed) on failure. */
    private boolean commit(KafkaConsumer<String, byte[]> consumer, List<Item> items) {
        for (Item item : items) if (item.offset() >= 0) offsets.finished(item.tp(), item.offset());
        Map<TopicPartition, OffsetAndMetadata> toCommit = offsets.toCommit();
        if (items.isEmpty() && toCommit.isEmpty()) return true;
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        Set<String> kinds = new LinkedHashSet<>();
        for (Item item : items) {
            out.addAll(item.step().records());
            kinds.add(item.step().kind());
        }
        try {
            writer.commit(out, toCommit, consumer.groupMetadata(), kinds);
        } catch (KafkaException | IllegalStateException e) {
            offsets.commitFailed(toCommit);
            for (Item item : items) if (item.offset() >= 0) offsets.unfinished(item.tp(), item.offset());
            LOG.warn("cannot commit {} step(s) {} with offsets {}; the batch is kept and tried again: {}", items.size(),
                    kinds, toCommit, e.toString());
            return false;
        }
        List<Item> done = new ArrayList<>(items);
        items.clear();
        for (Item item : done) {
            if (item.step().status() != null) view.apply(item.step().status());
            if (item.ends()) release.accept(item.work());
            if (item.after() != null) item.after().run();
        }
        return true;
    }

    /** Failed attempts to write dead letters of unreadable records (tests, metrics). */
    long failedDeadLetterWrites() {
        return failedDeadLetterWrites.get();
    }

    @Override
    public void close() {
        writer.close();
    }

    void abandon() {
        writer.abandon();
    }
}
