package dev.history.fulfillment;

import dev.history.common.ConsistencyToken;
import dev.history.common.Json;
import dev.history.common.KafkaSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request's latest status, on disk: a RocksDB instance in {@code FULFILLMENT_STATE_DIR} fed by a
 * read_committed consumer of the whole compacted status topic (all partitions, no group: every instance
 * holds a full copy, so any instance answers {@code GET /fulfillment/{id}}). Heap use is bounded (a small
 * block cache and write buffers, off-heap) whatever the number of requests. Each polled batch of records
 * and the consumed offsets are written in one atomic {@link WriteBatch}, so a restart resumes where it
 * stopped instead of re-reading 30 days of statuses, and never skips one.
 *
 * <p>It lets the gateway recognise a repeated request and the worker skip an attempt whose outcome is
 * already recorded. Writers also apply their own committed records directly, so this instance never
 * waits for its own writes; a status only replaces an older one (higher redrive generation, then higher
 * version), so applying a record twice or out of order is harmless.
 */
final class StatusStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatusStore.class);
    private static final byte[] STATUS = {'s'};
    private static final byte[] OFFSET = {'o'};

    static {
        RocksDB.loadLibrary();
    }

    private final KafkaSettings kafka;
    private final String topic;
    private final Options options;
    private final LRUCache cache;
    /**
     * No write-ahead log: statuses and consumed offsets go to the memtable together, and RocksDB flushes a
     * memtable atomically, so after a crash the store is a consistent earlier state and re-reads the rest
     * from the topic. Faster, and nothing is lost that the topic does not hold.
     */
    private final WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);
    private final RocksDB db;
    private final Object lock = new Object();
    /** Accepts in flight (not yet committed): tiny, bounded by concurrent POSTs. */
    private final Map<String, FulfillmentStatus> claims = new ConcurrentHashMap<>();
    private final Map<Integer, Long> positions = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> syncRequests = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> initialLoad = new CompletableFuture<>();
    private volatile boolean running = true;
    private volatile boolean closed;
    private volatile int partitionCount;
    private volatile long loadedAtStart = -1;
    private KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    StatusStore(KafkaSettings kafka, String topic, Path dir) {
        this.kafka = kafka;
        this.topic = topic;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("FULFILLMENT_STATE_DIR " + dir + ": " + e.getMessage(), e);
        }
        cache = new LRUCache(16L * 1024 * 1024);
        options = new Options().setCreateIfMissing(true).setMaxBackgroundJobs(2)
                .setWriteBufferSize(8L * 1024 * 1024).setMaxWriteBufferNumber(2)
                .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache)
                        .setFilterPolicy(new BloomFilter(10)).setCacheIndexAndFilterBlocks(true));
        try {
            db = RocksDB.open(options, dir.toString());
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot open the fulfillment status store in " + dir + ": " + e.getMessage(), e);
        }
    }

    void start() {
        Properties props = kafka.common("fulfillment-status-store");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        consumer = new KafkaConsumer<>(props);
        thread = new Thread(this::run, "fulfillment-status-store");
        thread.setDaemon(true);
        thread.start();
    }

    /** True once the topic has been read to its end as of start-up. */
    boolean loaded() {
        return initialLoad.isDone() && !initialLoad.isCompletedExceptionally();
    }

    CompletableFuture<Void> initialLoad() {
        return initialLoad;
    }

    /** Records read from the topic before the store was loaded (0 when a restart resumed at the end). */
    long loadedAtStart() {
        return loadedAtStart;
    }

    /**
     * Completes when this store has read everything committed to the topic before the call. The worker
     * waits for it when it is given partitions, because the previous owner may have committed outcomes
     * moments ago.
     */
    CompletableFuture<Void> catchUp() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        syncRequests.add(f);
        return f;
    }

    Optional<FulfillmentStatus> get(String id) {
        FulfillmentStatus claimed = claims.get(id);
        if (claimed != null) return Optional.of(claimed);
        if (closed) return Optional.empty();
        try {
            byte[] v = db.get(key(id));
            return v == null ? Optional.empty() : Optional.of(Json.read(Arrays.copyOfRange(v, 8, v.length), FulfillmentStatus.class));
        } catch (RocksDBException e) {
            throw new IllegalStateException("status store read failed: " + e.getMessage(), e);
        }
    }

    /** Keeps the newer of the two (higher redrive generation, then higher version); true if {@code status} was newer. */
    boolean apply(FulfillmentStatus status) {
        synchronized (lock) {
            if (closed) return false;
            try {
                byte[] k = key(status.id());
                if (!newer(status, db.get(k))) return false;
                db.put(writeOptions, k, value(status, Json.write(status)));
                return true;
            } catch (RocksDBException e) {
                throw new IllegalStateException("status store write failed: " + e.getMessage(), e);
            }
        }
    }

    /** Records a pending status unless one exists; false when the id is already known. */
    boolean claim(FulfillmentStatus pending) {
        if (get(pending.id()).isPresent()) return false;
        return claims.putIfAbsent(pending.id(), pending) == null;
    }

    /** The claimed status is now durable: it is stored, as if read from the topic. */
    void confirm(FulfillmentStatus claimed) {
        apply(claimed);
        claims.remove(claimed.id(), claimed);
    }

    void forget(String id, FulfillmentStatus claimed) {
        claims.remove(id, claimed);
    }

    /** Where this store has read {@code id}'s partition of the status topic (so it knows {@code id}); empty when unknown. */
    ConsistencyToken position(String id) {
        int n = partitionCount;
        if (n == 0) return ConsistencyToken.empty();
        int partition = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % n;
        Long next = positions.get(partition);
        return next == null || next <= 0 ? ConsistencyToken.empty() : ConsistencyToken.of(topic, partition, next - 1);
    }

    private void run() {
        try {
            List<TopicPartition> partitions = partitions();
            partitionCount = partitions.size();
            consumer.assign(partitions);
            for (TopicPartition tp : partitions) {
                long stored = storedOffset(tp.partition());
                if (stored >= 0) {
                    consumer.seek(tp, stored);
                    positions.put(tp.partition(), stored);
                } else {
                    consumer.seekToBeginning(List.of(tp));
                }
            }
            Map<TopicPartition, Long> target = consumer.endOffsets(partitions);
            List<CompletableFuture<Void>> waiting = new ArrayList<>();
            waiting.add(initialLoad);
            long loaded = 0;
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
                loaded += store(records, partitions);
                if (!syncRequests.isEmpty()) {
                    // New requests need a new target: everything committed up to now.
                    for (CompletableFuture<Void> f; (f = syncRequests.poll()) != null; ) waiting.add(f);
                    target = consumer.endOffsets(partitions);
                }
                if (!waiting.isEmpty() && reached(target)) {
                    if (!initialLoad.isDone()) {
                        loadedAtStart = loaded;
                        LOG.info("status store loaded {} records from {} (resumed from stored offsets where present)", loaded, topic);
                    }
                    waiting.forEach(f -> f.complete(null));
                    waiting.clear();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("status store on {} stopped: {}", topic, e.toString(), e);
            initialLoad.completeExceptionally(e);
        } finally {
            consumer.close(Duration.ZERO);
        }
    }

    /** One polled batch and the new positions, in one atomic RocksDB write. */
    private int store(ConsumerRecords<String, byte[]> records, List<TopicPartition> partitions) {
        int n = 0;
        synchronized (lock) {
            if (closed) return 0;
            try (WriteBatch batch = new WriteBatch()) {
                Map<String, byte[]> latest = new HashMap<>();
                for (ConsumerRecord<String, byte[]> r : records) {
                    if (r.key() == null) continue;
                    byte[] k = key(r.key());
                    if (r.value() == null) {
                        batch.delete(k);
                        latest.put(r.key(), null);
                        continue;
                    }
                    FulfillmentStatus status;
                    try {
                        status = Json.read(r.value(), FulfillmentStatus.class);
                    } catch (RuntimeException e) {
                        LOG.warn("skipping unreadable status record key={} topic={} partition={} offset={}: {}",
                                r.key(), r.topic(), r.partition(), r.offset(), e.getMessage());
                        continue;
                    }
                    byte[] existing = latest.containsKey(r.key()) ? latest.get(r.key()) : db.get(k);
                    if (!newer(status, existing)) continue;
                    byte[] v = value(status, r.value());
                    batch.put(k, v);
                    latest.put(r.key(), v);
                    n++;
                }
                // Positions after the batch (past transaction markers too).
                Map<Integer, Long> moved = new HashMap<>();
                for (TopicPartition tp : partitions) {
                    long position = consumer.position(tp);
                    Long before = positions.get(tp.partition());
                    if (before == null || before != position) {
                        batch.put(offsetKey(tp.partition()), ByteBuffer.allocate(8).putLong(position).array());
                        moved.put(tp.partition(), position);
                    }
                }
                if (batch.count() > 0) db.write(writeOptions, batch);
                positions.putAll(moved);
            } catch (RocksDBException e) {
                throw new IllegalStateException("status store write failed: " + e.getMessage(), e);
            }
        }
        return n;
    }

    private long storedOffset(int partition) {
        try {
            byte[] v = db.get(offsetKey(partition));
            return v == null ? -1 : ByteBuffer.wrap(v).getLong();
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code status} replaces the stored value (whose first 8 bytes are its redrives and version). */
    private static boolean newer(FulfillmentStatus status, byte[] existing) {
        if (existing == null) return true;
        ByteBuffer b = ByteBuffer.wrap(existing);
        int redrives = b.getInt();
        int version = b.getInt();
        return status.redrives() != redrives ? status.redrives() > redrives : status.version() > version;
    }

    private static byte[] value(FulfillmentStatus status, byte[] json) {
        return ByteBuffer.allocate(8 + json.length).putInt(status.redrives()).putInt(status.version()).put(json).array();
    }

    private static byte[] key(String id) {
        byte[] s = id.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[s.length + 1];
        k[0] = STATUS[0];
        System.arraycopy(s, 0, k, 1, s.length);
        return k;
    }

    private static byte[] offsetKey(int partition) {
        return ByteBuffer.allocate(5).put(OFFSET[0]).putInt(partition).array();
    }

    private boolean reached(Map<TopicPartition, Long> target) {
        for (Map.Entry<TopicPartition, Long> e : target.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) return false;
        }
        return true;
    }

    private List<TopicPartition> partitions() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic);
            if (infos != null && !infos.isEmpty()) {
                List<TopicPartition> out = new ArrayList<>();
                for (PartitionInfo p : infos) out.add(new TopicPartition(topic, p.partition()));
                return out;
            }
            if (System.nanoTime() > deadline) throw new IllegalStateException("status topic " + topic + " not found");
        }
    }

    @Override
    public void close() {
        running = false;
        if (consumer != null) consumer.wakeup();
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (lock) {
            if (closed) return;
            closed = true;
            try {
                db.flushWal(true);
                try (org.rocksdb.FlushOptions flush = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
                    db.flush(flush); // so a graceful restart resumes at the end
                }
            } catch (RocksDBException e) {
                LOG.warn("status store flush on close failed: {}", e.getMessage());
            }
            db.close();
            writeOptions.close();
            options.close();
            cache.close();
        }
    }
}
