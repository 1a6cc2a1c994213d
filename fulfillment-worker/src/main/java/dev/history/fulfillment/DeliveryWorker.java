package dev.history.fulfillment;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop: reads the requests and retries topics ({@code read_committed}, so only complete steps),
 * decides per record whether it still has to run, and hands it to the {@link Scheduler}. The same thread
 * owns the consumer and the {@link OutcomeRecorder}'s transactional producer: each iteration writes every
 * outcome finished since the last one, with the consumed offsets, in one transaction.
 *
 * <p>Why a retry topic read by a plain consumer, with due-later records parked on a timer: webhook calls
 * are asynchronous and many run at once, which a Kafka Streams processor (synchronous per record) does
 * not allow; and pausing a partition until its head record is due would make every record behind a
 * 30-minute wait wait too. The committed offset stays below a parked record ({@link OffsetTracker}), so a
 * crash during the wait loses nothing. Attempts whose outcome is already recorded in the {@link StatusStore}
 * are skipped, so re-reading never repeats a finished call. Redriven requests ({@code ops redrive}) run
 * as a new attempt chain, started once; see {@link Redrive}.
 */
final class DeliveryWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryWorker.class);

    /** A call's end as the HTTP client hands it over; {@code outcome} null: dropped without a call. */
    private record Finished(Work work, RetryPolicy policy, Outcome outcome) {}

    private final FulfillmentConfig config;
    private final StatusStore view;
    private final Clock clock;
    private final KafkaConsumer<String, byte[]> consumer;
    private final OffsetTracker offsets = new OffsetTracker();
    private final OutcomeRecorder recorder;
    private final FulfillmentSealing sealing;
    private final Scheduler scheduler;
    private final FulfillmentMetrics metrics;
    /** Finished calls, handed over by the HTTP client's threads; only the poll thread takes them. */
    private final LinkedBlockingQueue<Finished> finished = new LinkedBlockingQueue<>();
    /** Assignment epoch per owned partition; read by the scheduler's threads. */
    private final Map<TopicPartition, Integer> owned = new ConcurrentHashMap<>();
    /** Request id -> the highest work this instance holds for it (poll thread only). */
    private final Map<String, Work> holds = new HashMap<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final Thread thread;
    private int epochs;
    private volatile boolean stopRequested;
    private volatile boolean abort;
    private volatile boolean polling;
    private boolean closing;
    private boolean requestsPaused;
    private boolean retriesPaused;

    /**
     * @param instance this instance's stable id, also its static group membership ({@code group.instance.id}): a
     *     restarted worker takes its partitions back at once instead of waiting for the dead member's session to
     *     expire (45 s), while a graceful stop still leaves the group so the others take over at once
     */
    DeliveryWorker(FulfillmentConfig config, String instance, StatusStore view, OutcomeRecords records,
            TransactionalWriter writer, WebhookClient webhooks, Clock clock, FulfillmentMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        metrics.inFlight(pending::get);
        this.view = view;
        this.clock = clock;
        Properties props = config.kafka().common("fulfillment-worker");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "fulfillment-" + instance);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(props);
        metrics.bind(consumer);
        this.scheduler = new Scheduler(config, webhooks, clock, this::current,
                (work, policy, outcome) -> finished.add(new Finished(work, policy, outcome)));
        this.sealing = records.sealing();
        this.recorder = new OutcomeRecorder(config, view, records, writer, offsets, clock, metrics, this::release,
                owned);
        this.thread = new Thread(this::run, "fulfillment-worker");
    }

    void start() {
        thread.start();
    }

    /** Polling its topics (possibly with no partitions when the group has more members than partitions). */
    boolean running() {
        return polling && thread.isAlive();
    }

    /** Attempts held (parked, queued, in flight or being recorded). */
    int pending() {
        return pending.get();
    }

    long failedDeadLetterWrites() {
        return recorder.failedDeadLetterWrites();
    }

    /** Test hook: a rebalance that gives this member its partitions back (revoked, then assigned again). */
    void rebalanceForTest() {
        rebalanceRequested = true;
    }

    private volatile boolean rebalanceRequested;

    private void run() {
        try {
            view.initialLoad().get(5, TimeUnit.MINUTES);
            consumer.subscribe(List.of(config.topics().requests(), config.topics().retries()), new Rebalance());
            polling = true;
            LOG.info("fulfillment worker polling {} and {} as group {}", config.topics().requests(),
                    config.topics().retries(), config.groupId());
            while (!stopRequested && !abort) {
                if (rebalanceRequested) {
                    rebalanceRequested = false;
                    consumer.enforceRebalance("test");
                }
                boolean busy = pending.get() > scheduler.parked() || recorder.hasWork();
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(busy ? 10 : 100))) {
                    handle(record);
                }
                // Past transaction markers too, so a caught-up group shows lag 0.
                for (TopicPartition tp : offsets.readFrom()) offsets.positioned(tp, consumer.position(tp));
                drain();
                recorder.flush(consumer, false);
                backpressure();
            }
            if (!abort) stopGracefully();
        } catch (WakeupException e) {
            // closing
        } catch (Exception e) {
            if (!abort && !stopRequested) LOG.error("fulfillment worker stopped: {}", e.toString(), e);
        } finally {
            polling = false;
            closing = true;
            scheduler.close();
            try {
                consumer.close(CloseOptions
                        .groupMembershipOperation(abort
                                ? CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP
                                : CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                        .withTimeout(Duration.ofSeconds(abort ? 1 : 5)));
            } catch (RuntimeException e) {
                LOG.warn("closing the worker consumer: {}", e.toString());
            }
            if (abort) recorder.abandon();
            else recorder.close();
        }
    }

    /**
     * Starts no new call, waits (at most {@code FULFILLMENT_STOP_TIMEOUT_MS}) for the calls in flight and
     * records them, then commits. Parked and queued attempts stay uncommitted: the next owner runs them.
     */
    private void stopGracefully() throws InterruptedException {
        scheduler.stop();
        long deadline = System.nanoTime() + config.stopTimeout().toNanos();
        consumer.pause(consumer.assignment());
        while (!abort && (scheduler.calling() > 0 || !finished.isEmpty() || recorder.hasWork())
                && System.nanoTime() < deadline) {
            consumer.poll(Duration.ZERO); // stays in the group; paused, so it returns nothing
            awaitFinished(10);
            recorder.flush(consumer, true);
        }
        drain();
        recorder.flush(consumer, true);
        if (scheduler.calling() > 0) {
            LOG.warn("{} webhook call(s) still running after {}; the next owner repeats them", scheduler.calling(),
                    config.stopTimeout());
        }
    }

    private void awaitFinished(long millis) throws InterruptedException {
        Finished first = finished.poll(millis, TimeUnit.MILLISECONDS);
        if (first != null) {
            take(first);
            drain();
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        Job job;
        try {
            job = WorkerRecords.parse(record, config.topics(), sealing);
        } catch (RuntimeException e) {
            metrics.poison(record.topic(), e);
            LOG.error("unreadable record key={} topic={} partition={} offset={}: {}; sending it to {}", record.key(),
                    record.topic(), record.partition(), record.offset(), e.getMessage(), config.topics().deadLetters());
            offsets.read(tp, record.offset(), true);
            recorder.unreadable(record, e.getMessage(), owned.getOrDefault(tp, -1));
            return;
        }
        String id = job.id();
        FulfillmentStatus status = view.get(id).orElse(null);
        Work held = holds.get(id);
        Work work = new Work(job, owned.getOrDefault(tp, -1));
        if (!runnable(job, status) || (held != null && work.step() <= held.step())) {
            LOG.debug("skipping attempt {} of {} chain {} (recorded {}/{}, held {}, state {}) topic={} partition={} offset={}",
                    job.attempt(), id, job.generation(), status == null ? null : status.redrives(),
                    status == null ? 0 : status.version(), held == null ? null : held.step(),
                    status == null ? null : status.state(), record.topic(), record.partition(), record.offset());
            offsets.read(tp, record.offset(), false);
            return;
        }
        offsets.read(tp, record.offset(), true);
        holds.put(id, work);
        pending.incrementAndGet();
        if (job.redriveStart() && (status == null || status.redrives() < job.generation())) {
            // The chain's start (status, "redriven" event) is committed first; then its attempt 1 runs.
            recorder.redriven(work, () -> {
                LOG.info("request {} task {} redriven: chain {} from dead letter {} key={} topic={} partition={} offset={}",
                        id, job.request().taskId(), job.generation(), job.redrive().deadLetter(), id, tp.topic(),
                        tp.partition(), record.offset());
                scheduler.schedule(work);
            });
        } else {
            scheduler.schedule(work);
        }
    }

    /**
     * Whether {@code job} still has to run given the recorded {@code status}. Within one attempt chain: only
     * attempts above the recorded ones, and nothing after a final state. An older chain's record never runs
     * again. A redrive record (attempt 1 of chain n + 1) runs only when chain n is recorded as failed, or the
     * request's status is gone (see {@link Redrive}); any other record of a later chain than the view knows
     * means the view is behind (another instance recorded it a moment ago) and runs, as on the original chain.
     */
    static boolean runnable(Job job, FulfillmentStatus status) {
        if (status == null) return true;
        if (job.generation() < status.redrives()) return false;
        if (job.generation() == status.redrives()) return !status.terminal() && job.attempt() > status.version();
        if (job.redriveStart()) {
            return job.generation() == status.redrives() + 1 && FulfillmentStatus.FAILED.equals(status.state());
        }
        return true;
    }

    /** Hands finished calls to the recorder (poll thread). */
    private void drain() {
        for (Finished f; (f = finished.poll()) != null; ) take(f);
    }

    private void take(Finished f) {
        Work work = f.work();
        Outcome outcome = f.outcome();
        if (outcome == null || !current(work)) {
            if (outcome != null) {
                LOG.info("attempt {} of {} finished after its partition moved; not recorded here, the owner repeats it"
                        + " key={} topic={} partition={} offset={}", work.job.attempt(), work.job.id(), work.job.id(),
                        work.job.source().topic(), work.job.source().partition(), work.job.offset());
            }
            release(work);
            return;
        }
        recorder.outcome(work, f.policy(), outcome);
    }

    private boolean current(Work work) {
        Integer epoch = owned.get(work.job.source());
        return epoch != null && epoch == work.epoch;
    }

    /** Work ends here: committed, dropped or taken back. Exactly once per piece of work. */
    private void release(Work work) {
        holds.remove(work.job.id(), work);
        pending.decrementAndGet();
    }

    /**
     * Parked retries (waiting for their time) count only against the retries topic: with many of them
     * (one dead endpoint) new requests keep flowing. Attempts queued or in flight count against both.
     */
    private void backpressure() {
        int held = pending.get();
        int busy = held - scheduler.parked();
        int max = config.maxPending();
        boolean requests = requestsPaused ? busy >= max / 2 : busy >= max;
        boolean retries = retriesPaused ? held >= max / 2 : held >= max;
        if (requests != requestsPaused || retries != retriesPaused) {
            LOG.info("{} attempts held ({} parked, limit {}): reading {} {}, {} {}", held, held - busy, max,
                    config.topics().requests(), requests ? "paused" : "on", config.topics().retries(), retries ? "paused" : "on");
        }
        requestsPaused = requests;
        retriesPaused = retries;
        Set<TopicPartition> pause = new HashSet<>();
        Set<TopicPartition> resume = new HashSet<>();
        for (TopicPartition tp : consumer.assignment()) {
            boolean p = tp.topic().equals(config.topics().requests()) ? requests : retries;
            (p ? pause : resume).add(tp);
        }
        if (!pause.isEmpty()) consumer.pause(pause);
        if (!resume.isEmpty()) consumer.resume(resume);
    }

    /** Forgets {@code partitions}: parked work is taken back, work in flight becomes stale. */
    private void drop(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            owned.remove(tp);
            scheduler.release(tp).forEach(this::release);
            holds.values().removeIf(w -> w.job.source().equals(tp));
            offsets.revoked(tp);
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) return;
            if (!abort) {
                // Hand-over: calls in flight on these partitions get a moment to finish and be recorded with
                // their offsets; whatever is still running after that is repeated by the next owner.
                Set<TopicPartition> revoked = new HashSet<>(partitions);
                long deadline = System.nanoTime() + (closing ? 0 : config.stopTimeout().toNanos());
                try {
                    while (scheduler.callingOn(revoked) && System.nanoTime() < deadline) {
                        awaitFinished(10);
                        recorder.flush(consumer, true);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                drain();
                recorder.flush(consumer, true);
            }
            drop(partitions);
            LOG.info("partitions revoked: {}", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            drop(partitions);
            LOG.warn("partitions lost: {}", partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) return;
            try {
                // The previous owner may have committed outcomes a moment ago: read them before deciding what to skip.
                view.catchUp().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("status store did not catch up before taking {}: {}", partitions, e.toString());
            }
            for (TopicPartition tp : partitions) {
                owned.put(tp, ++epochs);
                offsets.assigned(tp);
            }
            LOG.info("partitions assigned: {}", partitions);
        }
    }

    /** Graceful stop: calls in flight finish and are recorded (bounded by the stop timeout), then commits. */
    @Override
    public void close() {
        stopRequested = true;
        join(config.stopTimeout().plusSeconds(15));
    }

    /** Stops without committing anything, as a crash would (tests: kill -9 during a backoff). */
    void abort() {
        abort = true;
        join(Duration.ofSeconds(15));
    }

    private void join(Duration max) {
        try {
            thread.join(max.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
