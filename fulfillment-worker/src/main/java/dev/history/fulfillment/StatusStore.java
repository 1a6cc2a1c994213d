package dev.history.fulfillment;

import dev.history.common.Json;
import dev.history.common.KafkaSettings;
import java.time.Duration;
import java.util.ArrayList;
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
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request's latest status, materialised in memory from the compacted status topic (all partitions,
 * no consumer group: each instance holds the whole view). It answers {@code GET /fulfillment/{id}},
 * lets the gateway recognise a repeated request, and lets the worker skip an attempt whose outcome is
 * already recorded (completions are remembered across restarts and replays). Writers also apply their
 * own records directly once acknowledged, so this instance never waits for its own writes.
 */
final class StatusStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatusStore.class);

    private final KafkaSettings kafka;
    private final String topic;
    private final Map<String, FulfillmentStatus> statuses = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> syncRequests = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> initialLoad = new CompletableFuture<>();
    private volatile boolean running = true;
    private KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    StatusStore(KafkaSettings kafka, String topic) {
        this.kafka = kafka;
        this.topic = topic;
    }

    void start() {
        Properties props = kafka.common("fulfillment-status-view");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(props);
        thread = new Thread(this::run, "fulfillment-status-view");
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

    /**
     * Completes when this view has read everything written to the topic before the call. The worker
     * waits for it when it is given partitions, because the previous owner may have recorded outcomes
     * moments ago.
     */
    CompletableFuture<Void> catchUp() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        syncRequests.add(f);
        return f;
    }

    Optional<FulfillmentStatus> get(String id) {
        return Optional.ofNullable(statuses.get(id));
    }

    /** Keeps the newer of the two (higher redrive generation, then higher version); true if {@code status} was newer. */
    boolean apply(FulfillmentStatus status) {
        boolean[] changed = {false};
        statuses.compute(status.id(), (id, existing) -> {
            if (existing == null || status.newerThan(existing)) {
                changed[0] = true;
                return status;
            }
            return existing;
        });
        return changed[0];
    }

    /** Records a pending status unless one exists; false when the id is already known. */
    boolean claim(FulfillmentStatus pending) {
        return statuses.putIfAbsent(pending.id(), pending) == null;
    }

    /** Where this store has read the status topic, for {@code id}'s partition; empty when unknown. */
    dev.history.common.ConsistencyToken position(String id) {
        return dev.history.common.ConsistencyToken.empty();
    }

    /** The claimed status is now durable: it stays, as if read from the topic. */
    void confirm(FulfillmentStatus claimed) {
        apply(claimed);
    }

    void forget(String id, FulfillmentStatus claimed) {
        statuses.remove(id, claimed);
    }

    private void run() {
        try {
            List<TopicPartition> partitions = partitions();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> target = consumer.endOffsets(partitions);
            List<CompletableFuture<Void>> waiting = new ArrayList<>();
            waiting.add(initialLoad);
            long loaded = 0;
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.value() == null) {
                        statuses.remove(r.key());
                        continue;
                    }
                    try {
                        apply(Json.read(r.value(), FulfillmentStatus.class));
                        loaded++;
                    } catch (RuntimeException e) {
                        LOG.warn("skipping unreadable status record key={} topic={} partition={} offset={}: {}",
                                r.key(), r.topic(), r.partition(), r.offset(), e.getMessage());
                    }
                }
                if (!syncRequests.isEmpty()) {
                    // New requests need a new target: everything written up to now.
                    for (CompletableFuture<Void> f; (f = syncRequests.poll()) != null; ) waiting.add(f);
                    target = consumer.endOffsets(partitions);
                }
                if (!waiting.isEmpty() && reached(target)) {
                    if (!initialLoad.isDone()) LOG.info("status view loaded {} records from {}", loaded, topic);
                    waiting.forEach(f -> f.complete(null));
                    waiting.clear();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("status view on {} stopped: {}", topic, e.toString(), e);
            initialLoad.completeExceptionally(e);
        } finally {
            consumer.close(Duration.ZERO);
        }
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

    int size() {
        return statuses.size();
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
    }

    /** For tests and metrics. */
    Map<String, FulfillmentStatus> snapshot() {
        return new HashMap<>(statuses);
    }
}
