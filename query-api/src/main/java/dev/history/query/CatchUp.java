package dev.history.query;

import dev.history.common.KafkaSettings;
import dev.history.common.http.ApiError;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.processor.TaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * "Ready" means caught up. When an active task starts on this instance (start-up, after a rebuild, or
 * when a partition moves here) its input partition's target is the end offset that existed then
 * (Admin {@code listOffsets}, {@code read_uncommitted}: the high watermark, so records acknowledged
 * behind a still-open transaction count). The partition serves reads only once this instance has
 * processed its input up to that target; until then its reads answer 503 and {@code /health/ready} is
 * 503. (A transaction that never ends would keep the partition unready: history-streams aborts hanging
 * transactions, see {@code HangingTransactions}.)
 *
 * <p>Processed position = the highest of: what the processors reported since the task started
 * ({@link ProcessedOffsets}), the group's committed offset when the task started (the restored state
 * contains everything up to it) and the task's committed offsets since ({@link TaskMetadata}). Committed
 * offsets step over transaction markers (Streams commits the consumer position), and a partition
 * whose remaining gap holds no committed data record (only markers or aborted records) is probed with
 * a {@code read_committed} consumer, so a trailing control record never keeps a partition unready.
 *
 * <p>The aliases store is fed through the alias repartition topic by the profile tasks: its partitions
 * are caught up only when every local profile partition is caught up and committed, and they are
 * re-targeted at the repartition topic's end at that moment (after a rebuild the repartition topic
 * starts empty and fills while profiles are reprocessed).
 */
final class CatchUp implements ProcessedOffsets.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CatchUp.class);
    private static final long PROBE_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    /** One active input partition of this instance. */
    private static final class State {
        final TaskId task;
        final long target;
        final long baseline;
        volatile boolean caughtUp;
        long lastPosition = -1;
        long lastProgress = System.nanoTime();

        State(TaskId task, long target, long baseline) {
            this.task = task;
            this.target = target;
            this.baseline = baseline;
        }
    }

    private final KafkaStreams streams;
    private final ProcessedOffsets progress;
    private final KafkaSettings kafka;
    private final String applicationId;
    private final String historyTopic;
    private final String profilesTopic;
    private final String aliasTopic;
    private final Admin admin;
    private final Map<TopicPartition, State> states = new ConcurrentHashMap<>();
    private final Set<TaskId> restarted = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "catch-up");
        t.setDaemon(true);
        return t;
    });
    /**
     * Standby checks ask Kafka (offsets, committed positions, the changelog's tail): never on a request thread.
     * Two threads and a short queue: when failover reads pile up beyond that, the surplus gets its 503 at once.
     */
    private final ThreadPoolExecutor standbyChecks = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(64), r -> {
                Thread t = new Thread(r, "standby-check");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.AbortPolicy());
    private final Set<Runnable> tickListeners = ConcurrentHashMap.newKeySet();
    private volatile boolean ready;
    private volatile Map<TopicPartition, Long> committed = Map.of();
    private KafkaConsumer<byte[], byte[]> probe;

    CatchUp(KafkaStreams streams, ProcessedOffsets progress, KafkaSettings kafka, String applicationId,
            String aliasTopic) {
        this.streams = streams;
        this.progress = progress;
        this.kafka = kafka;
        this.applicationId = applicationId;
        this.historyTopic = kafka.topics().historyEvents();
        this.profilesTopic = kafka.topics().customerProfiles();
        this.aliasTopic = aliasTopic;
        this.admin = Admin.create(kafka.common(applicationId + "-catch-up"));
        progress.addListener(this);
    }

    CatchUp start() {
        ticker.scheduleWithFixedDelay(this::tickSafely, 0, 50, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Every active partition of this instance is caught up (what {@code /health/ready} reports). */
    boolean isReady() {
        return ready && streams.state() == KafkaStreams.State.RUNNING;
    }

    /** The input partition whose processing the given store's partition reflects. */
    TopicPartition inputOf(String store, int partition) {
        return new TopicPartition(StoreNames.ALIASES.equals(store) ? aliasTopic : historyTopic, partition);
    }

    /** 503 unless this instance's partition of {@code store} has caught up with its input. */
    void requireCaughtUp(String store, int partition) {
        State state = states.get(inputOf(store, partition));
        boolean upstream = !StoreNames.ALIASES.equals(store) || upstreamCaughtUp();
        if (state == null || !state.caughtUp || !upstream) {
            throw ApiError.unavailable("history state for this customer is catching up with its input; retry", 1);
        }
    }

    /**
     * Completes when this instance's standby copy of {@code store}'s partition holds everything acknowledged before
     * now (the owner is unreachable or unknown, so this copy would answer instead): the group has committed the
     * whole input partition (committed offset at the input's high watermark: no acknowledged record waits
     * unprocessed or uncommitted in the owner), no transaction is open on the changelog, and the standby has
     * applied the changelog up to its end (after its position there are only transaction markers or aborted
     * records). A standby is otherwise "the owner's last committed state", which can miss events acknowledged
     * seconds before the owner died (issue 10: answered 200 without them for about 36 s). Otherwise it fails with
     * a 503 {@link ApiError}. The checks run on their own threads, never the caller's.
     */
    CompletableFuture<Void> standbyComplete(String store, int partition) {
        try {
            return CompletableFuture.runAsync(() -> requireStandbyComplete(store, partition), standbyChecks);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(standbyIncomplete("too many standby checks waiting"));
        }
    }

    private void requireStandbyComplete(String store, int partition) {
        TopicPartition input = inputOf(store, partition);
        TopicPartition changelog = new TopicPartition(applicationId + "-" + store + "-changelog", partition);
        long timeout = kafka.requestTimeout().toMillis();
        try {
            long inputEnd = end(input, IsolationLevel.READ_UNCOMMITTED, timeout);
            OffsetAndMetadata committedInput = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(timeout, TimeUnit.MILLISECONDS).get(input);
            if (committedInput == null || committedInput.offset() < inputEnd) {
                throw standbyIncomplete("the owner had not committed every record of " + input + " when it became unreachable");
            }
            long changelogEnd = end(changelog, IsolationLevel.READ_UNCOMMITTED, timeout);
            long stable = end(changelog, IsolationLevel.READ_COMMITTED, timeout);
            if (stable < changelogEnd) throw standbyIncomplete("a transaction of the owner is still open on " + changelog);
            Map<Integer, org.apache.kafka.streams.LagInfo> lags = streams.allLocalStorePartitionLags().get(store);
            org.apache.kafka.streams.LagInfo lag = lags == null ? null : lags.get(partition);
            if (lag == null) throw standbyIncomplete("no standby copy of " + changelog + " here");
            long position = lag.currentOffsetPosition();
            if (position < stable && !standbyHasOnlyMarkersAfter(changelog, position, stable)) {
                throw standbyIncomplete("the standby copy is still applying " + changelog + " (at " + position + " of " + stable + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw standbyIncomplete("interrupted");
        } catch (ExecutionException | java.util.concurrent.TimeoutException | org.apache.kafka.common.KafkaException e) {
            throw standbyIncomplete("cannot check the standby copy against Kafka: " + e);
        }
    }

    private static ApiError standbyIncomplete(String why) {
        LOG.debug("no standby answer: {}", why);
        return ApiError.unavailable("the instance owning this customer is unreachable and this instance's copy may miss "
                + "recent events; retry", 1);
    }

    private long end(TopicPartition tp, IsolationLevel isolation, long timeoutMs)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation)).all()
                .get(timeoutMs, TimeUnit.MILLISECONDS).get(tp).offset();
    }

    private KafkaConsumer<byte[], byte[]> standbyProbe;

    /** {@link #onlyControlRecords} for the read path (its own consumer: the ticker's is not shared). */
    private synchronized boolean standbyHasOnlyMarkersAfter(TopicPartition tp, long from, long to) {
        if (standbyProbe == null) standbyProbe = readCommittedConsumer("-standby-probe");
        return onlyControlRecords(standbyProbe, tp, from, to);
    }

    private KafkaConsumer<byte[], byte[]> readCommittedConsumer(String suffix) {
        Map<String, Object> props = new HashMap<>();
        kafka.common(applicationId + suffix).forEach((k, v) -> props.put(k.toString(), v));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * The offset after the last record of {@code partition} that this instance has surely processed; 0
     * when nothing is known (a task without committed offsets starts at the beginning).
     */
    long position(TopicPartition partition) {
        State state = states.get(partition);
        long position = progress.next(partition).orElse(0);
        if (state != null) position = Math.max(position, state.baseline);
        return Math.max(position, committed.getOrDefault(partition, -1L));
    }

    /** Runs after every check (read-your-writes waits re-check committed positions there). */
    void onTick(Runnable listener) {
        tickListeners.add(listener);
    }

    @Override
    public void taskStarted(TaskId task) {
        // The restored state may be behind what was served before: stop serving at once, re-target on the next tick.
        restarted.add(task);
        ready = false;
        states.values().forEach(s -> {
            if (s.task.equals(task)) s.caughtUp = false;
        });
    }

    @Override
    public void advanced(TopicPartition partition, long nextOffset) {
        // positions are read on demand
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.debug("catch-up check failed (will retry): {}", e.toString());
        } finally {
            tickListeners.forEach(Runnable::run);
        }
    }

    private void tick() throws RuntimeException {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
            ready = false;
            return;
        }
        Map<TopicPartition, TaskId> active = new HashMap<>();
        Map<TopicPartition, Long> committedNow = new HashMap<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            for (TaskMetadata task : thread.activeTasks()) {
                for (TopicPartition tp : task.topicPartitions()) {
                    active.put(tp, task.taskId());
                    Long offset = task.committedOffsets().get(tp);
                    if (offset != null && offset >= 0) committedNow.put(tp, offset);
                }
            }
        }
        committed = committedNow;
        states.keySet().removeIf(tp -> !active.containsKey(tp) || !states.get(tp).task.equals(active.get(tp)));
        Set<TaskId> restartedNow = new HashSet<>(restarted);
        restarted.removeAll(restartedNow);
        List<TopicPartition> untargeted = active.entrySet().stream()
                .filter(e -> !states.containsKey(e.getKey()) || restartedNow.contains(e.getValue()))
                .map(Map.Entry::getKey).toList();
        if (!untargeted.isEmpty()) target(untargeted, active);

        boolean upstreamBefore = upstreamCaughtUp();
        for (Map.Entry<TopicPartition, State> entry : states.entrySet()) {
            State s = entry.getValue();
            if (s.caughtUp) continue;
            TopicPartition tp = entry.getKey();
            // Upstream (profile) partitions count only what is committed: then their output is on the repartition topic.
            long position = tp.topic().equals(profilesTopic)
                    ? Math.max(Math.max(0, s.baseline), committed.getOrDefault(tp, -1L)) : position(tp);
            if (position != s.lastPosition) {
                s.lastPosition = position;
                s.lastProgress = System.nanoTime();
            }
            if (position >= s.target || (System.nanoTime() - s.lastProgress > PROBE_AFTER_NANOS
                    && onlyControlRecords(tp, position, s.target))) {
                s.caughtUp = true;
                LOG.info("partition {} caught up: processed to offset {} (target {}, the end when task {} started)",
                        tp, position, s.target, s.task);
            }
        }
        if (!upstreamBefore && upstreamCaughtUp()) {
            List<TopicPartition> downstream = states.keySet().stream().filter(tp -> tp.topic().equals(aliasTopic)).toList();
            if (!downstream.isEmpty()) target(downstream, active);
        }
        boolean all = true;
        for (TopicPartition tp : active.keySet()) {
            State s = states.get(tp);
            all &= s != null && s.caughtUp;
        }
        boolean now = state == KafkaStreams.State.RUNNING && all && restarted.isEmpty() && upstreamCaughtUp();
        if (now && !ready) LOG.info("history-streams caught up on all {} active input partitions: ready", active.size());
        ready = now;
    }

    private boolean upstreamCaughtUp() {
        return states.entrySet().stream().filter(e -> e.getKey().topic().equals(profilesTopic))
                .allMatch(e -> e.getValue().caughtUp);
    }

    /** Sets the targets of these partitions: their high watermarks now, and the group's committed offsets as baseline. */
    private void target(List<TopicPartition> partitions, Map<TopicPartition, TaskId> active) {
        try {
            Map<TopicPartition, OffsetSpec> latest = partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            Map<TopicPartition, Long> ends = new HashMap<>();
            // The high watermark, not the last stable offset: an open transaction pins the LSO below records
            // written and acknowledged after it (the gateway's writes are not transactional), so a target at
            // the LSO would call a partition caught up while acknowledged events are still invisible to it.
            admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all()
                    .get(kafka.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .forEach((tp, info) -> ends.put(tp, info.offset()));
            Map<TopicPartition, OffsetAndMetadata> group = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(kafka.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata base = group.get(tp);
                State s = new State(active.get(tp), ends.getOrDefault(tp, 0L), base == null ? -1 : base.offset());
                states.put(tp, s);
                LOG.info("partition {} (task {}) must reach offset {} before it serves reads (committed {})",
                        tp, s.task, s.target, s.baseline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("cannot read end offsets of {} yet: {}", partitions, e.toString());
            partitions.forEach(tp -> restarted.add(active.get(tp)));
        }
    }

    /** Whether {@code [from, to)} holds no committed data record (only transaction markers or aborted records). */
    private boolean onlyControlRecords(TopicPartition tp, long from, long to) {
        if (probe == null) probe = readCommittedConsumer("-catch-up-probe");
        return onlyControlRecords(probe, tp, from, to);
    }

    private static boolean onlyControlRecords(KafkaConsumer<byte[], byte[]> probe, TopicPartition tp, long from, long to) {
        probe.assign(List.of(tp));
        probe.seek(tp, from);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (probe.position(tp) < to && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : probe.poll(Duration.ofMillis(100))) {
                if (record.offset() < to) return false;
            }
        }
        return probe.position(tp) >= to;
    }

    @Override
    public void close() {
        standbyChecks.shutdownNow();
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (probe != null) probe.close(Duration.ofSeconds(2));
        synchronized (this) {
            if (standbyProbe != null) standbyProbe.close(Duration.ofSeconds(2));
        }
        admin.close(Duration.ofSeconds(5));
    }
}
