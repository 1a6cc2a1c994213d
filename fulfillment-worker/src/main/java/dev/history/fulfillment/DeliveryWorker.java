package dev.history.fulfillment;

import dev.history.common.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the requests and retries topics and runs each attempt when it is due.
 *
 * <p>Why a retry topic read by a plain consumer, with due-later records parked on a timer: webhook calls
 * are asynchronous and many run at once, which a Kafka Streams processor (synchronous per record) does
 * not allow; and pausing a partition until its head record is due would make every record behind a
 * 30-minute wait wait too. Here the poll thread never sleeps: a record not yet due is parked on a timer,
 * the partition keeps flowing, and the committed offset stays below the parked record (see
 * {@link OffsetTracker}). A crash during the wait (kill -9) therefore loses nothing: the next owner
 * re-reads the retry record, which carries its due time, and parks it again. Attempts whose outcome is
 * already recorded in the {@link StatusView} are skipped, so re-reading never repeats a finished call.
 * Redriven requests ({@code ops redrive}) run as a new attempt chain, started once; see {@link Redrive}.
 *
 * <p>At-least-once: a record's offset becomes committable only after its outcome (status, child event,
 * next retry or dead letter) is acknowledged by Kafka.
 */
final class DeliveryWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryWorker.class);
    private static final Duration WRITE_RETRY = Duration.ofSeconds(1);

    private record Done(TopicPartition tp, long offset) {}

    /** A job waiting for its time; {@code taken} decides once between the timer firing and a revocation. */
    private record Parked(Job job, java.util.concurrent.atomic.AtomicBoolean taken, ScheduledFuture<?> timer) {}

    private final FulfillmentConfig config;
    private final StatusView view;
    private final OutcomeWriter writer;
    private final WebhookClient webhooks;
    private final Dispatcher dispatcher;
    private final Clock clock;
    private final KafkaConsumer<String, byte[]> consumer;
    private final OffsetTracker offsets = new OffsetTracker();
    private final ScheduledThreadPoolExecutor timer;
    private final ConcurrentLinkedQueue<Done> done = new ConcurrentLinkedQueue<>();
    /**
     * Request id -> highest {@link #step(Job) step} (chain generation, attempt) this instance holds (parked,
     * queued, in flight or being recorded).
     */
    private final Map<String, Long> active = new ConcurrentHashMap<>();
    private final Map<Done, Parked> parked = new ConcurrentHashMap<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final FulfillmentMetrics metrics;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean abort;
    private volatile boolean polling;
    private boolean paused;
    private long lastCommit;

    DeliveryWorker(FulfillmentConfig config, StatusView view, OutcomeWriter writer, WebhookClient webhooks, Clock clock,
            FulfillmentMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        metrics.inFlight(pending::get);
        this.view = view;
        this.writer = writer;
        this.webhooks = webhooks;
        this.clock = clock;
        this.dispatcher = new Dispatcher(config.concurrency(), config.perHostConcurrency());
        Properties props = config.kafka().common("fulfillment-worker");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        this.consumer = new KafkaConsumer<>(props);
        metrics.bind(consumer);
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "fulfillment-timer");
            t.setDaemon(true);
            return t;
        });
        this.timer.setRemoveOnCancelPolicy(true);
        this.thread = new Thread(this::run, "fulfillment-worker");
    }

    void start() {
        thread.start();
    }

    /** Polling its topics (possibly with no partitions when the group has more members than partitions). */
    boolean running() {
        return polling && thread.isAlive();
    }

    int pending() {
        return pending.get();
    }

    private void run() {
        try {
            view.initialLoad().get(5, TimeUnit.MINUTES);
            consumer.subscribe(List.of(config.topics().requests(), config.topics().retries()), new Rebalance());
            polling = true;
            LOG.info("fulfillment worker polling {} and {} as group {}", config.topics().requests(),
                    config.topics().retries(), config.groupId());
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    handle(record);
                }
                drainDone();
                commit(false);
                backpressure();
            }
        } catch (WakeupException e) {
            // closing
        } catch (Exception e) {
            if (running) LOG.error("fulfillment worker stopped: {}", e.toString(), e);
        } finally {
            polling = false;
            if (!abort) {
                awaitInFlight(Duration.ofSeconds(5));
                drainDone();
                commit(true);
            }
            consumer.close(Duration.ofSeconds(abort ? 1 : 5));
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        Job job;
        try {
            job = parse(record);
        } catch (RuntimeException e) {
            LOG.error("unreadable record key={} topic={} partition={} offset={}: {}; sending it to {}", record.key(),
                    record.topic(), record.partition(), record.offset(), e.getMessage(), config.topics().deadLetters());
            offsets.read(tp, record.offset(), true);
            writer.unreadable(record.topic(), record.partition(), record.offset(), record.key(), record.value(), e.getMessage())
                    .whenComplete((m, err) -> done.add(new Done(tp, record.offset())));
            return;
        }
        String id = job.id();
        FulfillmentStatus status = view.get(id).orElse(null);
        Long held = active.get(id);
        if (!runnable(job, status) || (held != null && step(job) <= held)) {
            LOG.debug("skipping attempt {} of {} chain {} (recorded {}/{}, held {}, state {}) topic={} partition={} offset={}",
                    job.attempt(), id, job.generation(), status == null ? null : status.redrives(),
                    status == null ? 0 : status.version(), held, status == null ? null : status.state(), record.topic(),
                    record.partition(), record.offset());
            offsets.read(tp, record.offset(), false);
            return;
        }
        offsets.read(tp, record.offset(), true);
        active.merge(id, step(job), Math::max);
        pending.incrementAndGet();
        if (job.redriveStart() && (status == null || status.redrives() < job.generation())) {
            startRedrive(job, tp, record.offset());
        } else {
            schedule(job, tp, record.offset());
        }
    }

    /**
     * Whether {@code job} still has to run given the recorded {@code status}. Within one attempt chain: only
     * attempts above the recorded ones, and nothing after a final state. An older chain's record never runs
     * again. A redrive record (attempt 1 of chain n + 1) runs only when chain n is recorded as failed, or the
     * request's status is gone (see {@link Redrive}); any other record of a later chain than the view knows
     * means the view is behind (another instance recorded it a moment ago) and runs, as on the original chain.
     */
    private static boolean runnable(Job job, FulfillmentStatus status) {
        if (status == null) return true;
        if (job.generation() < status.redrives()) return false;
        if (job.generation() == status.redrives()) return !status.terminal() && job.attempt() > status.version();
        if (job.redriveStart()) {
            return job.generation() == status.redrives() + 1 && FulfillmentStatus.FAILED.equals(status.state());
        }
        return true;
    }

    /** Orders the attempts of a request across chains: generation first, then attempt. */
    private static long step(Job job) {
        return ((long) job.generation() << 32) | job.attempt();
    }

    /** Records the start of a redriven chain (status, "redriven" child event), then runs its attempt 1. */
    private void startRedrive(Job job, TopicPartition tp, long offset) {
        writer.redriven(job, clock.instant()).whenComplete((status, error) -> {
            if (!running) return;
            if (error != null) {
                LOG.error("cannot record the redrive of {} (chain {}; retrying in {}): {}", job.id(), job.generation(),
                        WRITE_RETRY, error.toString());
                timer.schedule(() -> startRedrive(job, tp, offset), WRITE_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            view.apply(status);
            LOG.info("request {} task {} redriven: chain {} from dead letter {} key={} topic={} partition={} offset={}",
                    job.id(), job.request().taskId(), job.generation(), job.redrive().deadLetter(), job.id(), tp.topic(),
                    tp.partition(), offset);
            // Off the producer's I/O thread.
            timer.execute(() -> schedule(job, tp, offset));
        });
    }

    /** Runs the job now, or parks it on the timer until it is due. */
    private void schedule(Job job, TopicPartition tp, long offset) {
        long wait = job.notBefore() - clock.millis();
        if (wait > 0) {
            Done key = new Done(tp, offset);
            LOG.debug("attempt {} of {} due in {} ms key={} topic={} partition={} offset={}", job.attempt(), job.id(), wait,
                    job.id(), tp.topic(), tp.partition(), offset);
            java.util.concurrent.atomic.AtomicBoolean taken = new java.util.concurrent.atomic.AtomicBoolean();
            ScheduledFuture<?> due = timer.schedule(() -> {
                if (taken.compareAndSet(false, true)) {
                    parked.remove(key);
                    dispatch(job);
                }
            }, wait, TimeUnit.MILLISECONDS);
            if (!taken.get()) parked.put(key, new Parked(job, taken, due));
        } else {
            dispatch(job);
        }
    }

    private Job parse(ConsumerRecord<String, byte[]> record) {
        if (record.topic().equals(config.topics().retries())) {
            RetryRecord r = Json.read(record.value(), RetryRecord.class);
            if (r.request() == null || r.request().id() == null) throw new IllegalArgumentException("retry record without request");
            return new Job(r.request(), r.attempt(), r.notBefore(), r.origin(),
                    new TopicPartition(record.topic(), record.partition()), record.offset(), r.redrive());
        }
        FulfillmentRequest r = Json.read(record.value(), FulfillmentRequest.class);
        if (r.id() == null || r.username() == null) throw new IllegalArgumentException("request without id or username");
        return new Job(r, 1, 0, new RetryRecord.Origin(record.topic(), record.partition(), record.offset()),
                new TopicPartition(record.topic(), record.partition()), record.offset());
    }

    private void dispatch(Job job) {
        Task task = config.tasks().find(job.request().taskId()).orElse(null);
        if (task == null || !task.requestable()) {
            Outcome refused = new Outcome(Outcome.Kind.FAIL, null, 0, clock.instant(),
                    "task " + job.request().taskId() + " is not in the catalog or not active", null);
            finish(job, config.retry(), refused);
            return;
        }
        String host = task.url().getHost() + ":" + task.url().getPort();
        dispatcher.submit(host, () -> {
            CompletableFuture<Outcome> call = webhooks.deliver(task, job.request(), job.attempt());
            call.thenAccept(outcome -> finish(job, task.retry(), outcome));
            return call;
        });
    }

    private void finish(Job job, RetryPolicy policy, Outcome outcome) {
        if (!running) return;
        Instant now = clock.instant();
        FulfillmentRequest r = job.request();
        FulfillmentStatus before = view.get(r.id()).filter(s -> s.redrives() == job.generation())
                .orElse(job.generation() == 0 ? FulfillmentStatus.pending(r)
                        : FulfillmentStatus.redriven(r, job.generation(), dev.history.common.Timestamps.format(now)));
        // A redriven chain gets the whole FULFILLMENT_MAX_AGE again, counted from the redrive.
        String chainStart = job.redrive() != null && job.redrive().requestedAt() != null
                ? job.redrive().requestedAt() : r.createdAt();
        Instant created = chainStart == null ? now : dev.history.common.Timestamps.parse(chainStart);
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
        record(job, before, outcome, step, now);
    }

    private void record(Job job, FulfillmentStatus before, Outcome outcome, NextStep step, Instant now) {
        writer.record(job, before, outcome, step, now).whenComplete((status, error) -> {
            if (error != null) {
                if (!running) return;
                LOG.error("cannot record outcome of {} attempt {} (retrying in {}): {}", job.id(), job.attempt(),
                        WRITE_RETRY, error.toString());
                timer.schedule(() -> record(job, before, outcome, step, now), WRITE_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            view.apply(status);
            active.remove(job.id(), step(job));
            pending.decrementAndGet();
            done.add(new Done(job.source(), job.offset()));
        });
    }

    private void drainDone() {
        for (Done d; (d = done.poll()) != null; ) offsets.finished(d.tp(), d.offset());
    }

    private void commit(boolean sync) {
        long now = System.currentTimeMillis();
        if (!sync && now - lastCommit < config.commitInterval().toMillis()) return;
        lastCommit = now;
        Map<TopicPartition, OffsetAndMetadata> toCommit = offsets.toCommit();
        if (toCommit.isEmpty()) return;
        if (sync) {
            try {
                consumer.commitSync(toCommit, Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("commit failed {}: {}", toCommit, e.toString());
            }
        } else {
            consumer.commitAsync(toCommit, (committed, error) -> {
                if (error != null) {
                    LOG.warn("commit failed {}: {}", committed, error.toString());
                    offsets.commitFailed(toCommit);
                }
            });
        }
    }

    private void backpressure() {
        int held = pending.get();
        if (!paused && held >= config.maxPending()) {
            LOG.warn("{} requests held (limit {}); pausing reads", held, config.maxPending());
            paused = true;
        } else if (paused && held < config.maxPending() / 2) {
            LOG.info("{} requests held; resuming reads", held);
            paused = false;
            consumer.resume(consumer.assignment());
        }
        if (paused) consumer.pause(consumer.assignment());
    }

    private void awaitInFlight(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (pending.get() > parked.size() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Drops parked attempts of partitions this instance no longer owns; their next owner re-reads them. */
    private void release(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            parked.entrySet().removeIf(e -> {
                if (!e.getKey().tp().equals(tp)) return false;
                // Forget the hold too, so a later re-assignment takes the record again.
                if (e.getValue().taken().compareAndSet(false, true)) {
                    e.getValue().timer().cancel(false);
                    active.remove(e.getValue().job().id(), step(e.getValue().job()));
                    pending.decrementAndGet();
                }
                return true;
            });
            offsets.revoked(tp);
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) return;
            drainDone();
            if (!abort) commit(true);
            release(partitions);
            LOG.info("partitions revoked: {}", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            release(partitions);
            LOG.warn("partitions lost: {}", partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) return;
            try {
                // The previous owner may have recorded outcomes a moment ago: read them before deciding what to skip.
                view.catchUp().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("status view did not catch up before taking {}: {}", partitions, e.toString());
            }
            partitions.forEach(offsets::assigned);
            LOG.info("partitions assigned: {}", partitions);
        }
    }

    /** Graceful stop: finishes calls in flight (briefly), commits what is durable. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        join();
        timer.shutdownNow();
        dispatcher.close();
    }

    /** Stops without committing anything, as a crash would (tests use it for kill -9 during a backoff). */
    void abort() {
        abort = true;
        running = false;
        timer.shutdownNow();
        dispatcher.close();
        consumer.wakeup();
        join();
    }

    private void join() {
        try {
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
