package dev.history.common.privacy;

import dev.history.common.AsyncSends;
import dev.history.common.Json;
import dev.history.common.KafkaSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-customer data keys, from the compacted key topic: one thread tails the whole topic into
 * memory (unwrapped), writers add keys, {@link #forget} tombstones them. Every process that encrypts or
 * decrypts holds one. Key material never reaches a log line.
 */
public final class CustomerKeys implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CustomerKeys.class);
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(10);

    /** An unwrapped data key; {@code keyId} is random (128 bits), so a key created after a forget never matches an old ciphertext. */
    public record DataKey(String customer, String keyId, SecretKey key) {}

    private final String topic;
    private final KeyWrapper wrapper;
    private final Producer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, Map<String, DataKey>> keys = new ConcurrentHashMap<>();
    private final Map<String, DataKey> byKeyId = new ConcurrentHashMap<>();
    private final Map<String, String> wrappedWith = new ConcurrentHashMap<>(); // record key → master key id
    private final Map<String, KeyRecord> receipts = new ConcurrentHashMap<>();
    private final Set<String> forgottenKeyIds = ConcurrentHashMap.newKeySet();
    private final Map<String, CompletableFuture<DataKey>> creating = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private final List<Consumer<String>> forgetListeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread poller;
    private final Object progress = new Object();
    private final Object endRequestLock = new Object();
    private volatile CompletableFuture<Map<TopicPartition, Long>> endRequest;

    private CustomerKeys(KafkaSettings kafka, String topic, KeyWrapper wrapper, String clientId) {
        this.topic = topic;
        this.wrapper = wrapper;
        Properties producerProps = kafka.producer(clientId + "-keys");
        // A new customer's first write waits for its key: send it at once rather than linger for a batch.
        producerProps.put(org.apache.kafka.clients.producer.ProducerConfig.LINGER_MS_CONFIG, 0);
        this.producer = new KafkaProducer<>(producerProps);
        Properties props = kafka.common(clientId + "-keys-reader");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, kafka.requestTimeout())) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.poller = new Thread(this::poll, "customer-keys");
        this.poller.setDaemon(true);
    }

    /** Starts tailing {@code topic} (which must exist) and returns once everything on it at start is loaded. */
    public static CustomerKeys start(KafkaSettings kafka, String topic, KeyWrapper wrapper, String clientId) {
        CustomerKeys ring = new CustomerKeys(kafka, topic, wrapper, clientId);
        ring.poller.start();
        ring.awaitCaughtUp();
        return ring;
    }

    /** A data key of {@code customer}, created (and durable on the key topic) when it has none. */
    public CompletableFuture<DataKey> keyFor(String customer) {
        DataKey existing = first(customer);
        if (existing != null) return CompletableFuture.completedFuture(existing);
        // One creation per customer at a time in this process. Not computeIfAbsent: a send that fails at
        // once would complete (and clean up) inside the map's own update.
        CompletableFuture<DataKey> mine = new CompletableFuture<>();
        CompletableFuture<DataKey> running = creating.putIfAbsent(customer, mine);
        if (running != null) return running;
        create(customer).whenComplete((key, error) -> {
            creating.remove(customer, mine);
            if (error != null) mine.completeExceptionally(error);
            else mine.complete(key);
        });
        return mine;
    }

    private CompletableFuture<DataKey> create(String customer) {
        byte[] material = Gcm.randomBytes(32);
        String keyId = Base64.getUrlEncoder().withoutPadding().encodeToString(Gcm.randomBytes(16));
        String recordKey = KeyRecord.dataKeyRecordKey(customer, keyId);
        KeyWrapper.Wrapped wrapped = wrapper.wrap(material, aad(recordKey));
        KeyRecord value = KeyRecord.dataKey(customer, keyId, wrapped.masterKeyId(),
                Base64.getEncoder().encodeToString(wrapped.bytes()), Instant.now().toString());
        DataKey key = new DataKey(customer, keyId, new SecretKeySpec(material, "AES"));
        return AsyncSends.send(producer, new ProducerRecord<>(topic, recordKey, Json.write(value)))
                .thenApply(metadata -> {
                    add(key);
                    wrappedWith.put(recordKey, wrapped.masterKeyId());
                    return first(customer);
                });
    }

    /**
     * Tombstones every data key of {@code customer} on the topic (after reading it to its end, so keys
     * just created elsewhere are included). Returns how many keys were deleted; 0 when none existed.
     */
    public int forget(String customer) {
        awaitCaughtUp();
        Map<String, DataKey> known = keys.getOrDefault(customer, Map.of());
        List<String> ids;
        synchronized (known) {
            ids = new ArrayList<>(known.keySet());
        }
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (String keyId : ids) {
            sends.add(AsyncSends.send(producer, new ProducerRecord<>(topic, KeyRecord.dataKeyRecordKey(customer, keyId), null)));
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
        ids.forEach(id -> forgetLocally(customer, id));
        return ids.size();
    }

    /** Re-wraps every data key not wrapped by the current master key (master-key rotation). Returns how many. */
    public int rewrap() {
        return rewrap(() -> {});
    }

    /**
     * As {@link #rewrap()}; {@code beforeWrites} runs between reading the keys and writing them (tests put a
     * forget there). A forget racing the rewrap could otherwise leave the re-wrapped key as the last record
     * of its record key, which compaction keeps and a later start would load: so the topic is read to its
     * end again and every re-wrapped key forgotten meanwhile is tombstoned again.
     */
    public int rewrap(Runnable beforeWrites) {
        awaitCaughtUp();
        List<DataKey> stale = new ArrayList<>();
        for (Map<String, DataKey> perCustomer : keys.values()) {
            synchronized (perCustomer) {
                for (DataKey key : perCustomer.values()) {
                    if (!wrapper.currentKeyId().equals(wrappedWith.get(KeyRecord.dataKeyRecordKey(key.customer(), key.keyId())))) {
                        stale.add(key);
                    }
                }
            }
        }
        beforeWrites.run();
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (DataKey key : stale) {
            String recordKey = KeyRecord.dataKeyRecordKey(key.customer(), key.keyId());
            KeyWrapper.Wrapped wrapped = wrapper.wrap(key.key().getEncoded(), aad(recordKey));
            KeyRecord value = KeyRecord.dataKey(key.customer(), key.keyId(), wrapped.masterKeyId(),
                    Base64.getEncoder().encodeToString(wrapped.bytes()), Instant.now().toString());
            sends.add(AsyncSends.send(producer, new ProducerRecord<>(topic, recordKey, Json.write(value)))
                    .thenRun(() -> wrappedWith.put(recordKey, wrapped.masterKeyId())));
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
        awaitCaughtUp();
        List<CompletableFuture<?>> again = new ArrayList<>();
        for (DataKey key : stale) {
            if (!forgottenKeyIds.contains(key.keyId())) continue;
            String recordKey = KeyRecord.dataKeyRecordKey(key.customer(), key.keyId());
            LOG.info("key {} was forgotten during the rewrap: tombstoned again", key.keyId());
            again.add(AsyncSends.send(producer, new ProducerRecord<>(topic, recordKey, null)));
        }
        CompletableFuture.allOf(again.toArray(CompletableFuture[]::new)).join();
        return stale.size() - again.size();
    }

    /** Writes an erasure receipt (no customer in it) and waits until it is durable. */
    public void putReceipt(KeyRecord receipt) {
        AsyncSends.send(producer, new ProducerRecord<>(topic, KeyRecord.ERASURE_PREFIX + receipt.erasure(), Json.write(receipt))).join();
        receipts.put(receipt.erasure(), receipt);
    }

    public Optional<KeyRecord> receipt(String id) {
        KeyRecord found = receipts.get(id);
        if (found == null) {
            awaitCaughtUp();
            found = receipts.get(id);
        }
        return Optional.ofNullable(found);
    }

    /** How many data keys are loaded (status, tests). */
    public int size() {
        return keys.values().stream().mapToInt(Map::size).sum();
    }

    public boolean hasKeys(String customer) {
        return !keys.getOrDefault(customer, Map.of()).isEmpty();
    }

    private DataKey first(String customer) {
        Map<String, DataKey> perCustomer = keys.get(customer);
        if (perCustomer == null) return null;
        synchronized (perCustomer) {
            return perCustomer.isEmpty() ? null : perCustomer.values().iterator().next();
        }
    }

    private DataKey lookup(String customer, String keyId) {
        Map<String, DataKey> perCustomer = keys.get(customer);
        return perCustomer == null ? null : perCustomer.get(keyId);
    }

    private void add(DataKey key) {
        if (forgottenKeyIds.contains(key.keyId())) return; // a tombstone already read: never resurrect
        keys.computeIfAbsent(key.customer(), c -> Collections.synchronizedMap(new LinkedHashMap<>())).putIfAbsent(key.keyId(), key);
        byKeyId.putIfAbsent(key.keyId(), key);
    }

    /**
     * The key a ciphertext names (its key id; whoever's it is). A key id this process has not seen yet (just
     * created by another process) waits for the ring to read the topic to its end once; a forgotten one is
     * refused at once.
     */
    public Optional<DataKey> find(String keyId) {
        DataKey key = byKeyId.get(keyId);
        if (key != null || forgottenKeyIds.contains(keyId)) return Optional.ofNullable(key);
        awaitCaughtUp();
        return Optional.ofNullable(byKeyId.get(keyId));
    }

    /** Whether a tombstone of this key id has been read or written here. */
    public boolean forgotten(String keyId) {
        return forgottenKeyIds.contains(keyId);
    }

    /** {@code listener} is told each key id forgotten from now on, on the thread that forgets it: it must not block. */
    public void onForget(Consumer<String> listener) {
        forgetListeners.add(listener);
    }

    private void forgetLocally(String customer, String keyId) {
        forgottenKeyIds.add(keyId);
        byKeyId.remove(keyId);
        Map<String, DataKey> perCustomer = keys.get(customer);
        if (perCustomer != null) perCustomer.remove(keyId);
        wrappedWith.remove(KeyRecord.dataKeyRecordKey(customer, keyId));
        forgetListeners.forEach(listener -> listener.accept(keyId));
    }

    /** Waits until the poller has read every partition up to its end offset at the time of the call. */
    public void awaitCaughtUp() {
        Map<TopicPartition, Long> ends = endOffsets();
        long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
        synchronized (progress) {
            while (!reached(ends)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new KeysUnavailableException("key topic " + topic + " not read to its end in " + CATCH_UP_TIMEOUT, null);
                try {
                    progress.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    /** End offsets are asked by the poller thread (the consumer is single-threaded), on behalf of the caller. */
    private Map<TopicPartition, Long> endOffsets() {
        CompletableFuture<Map<TopicPartition, Long>> request;
        synchronized (endRequestLock) {
            request = endRequest;
            if (request == null || request.isDone()) {
                request = new CompletableFuture<>();
                endRequest = request;
                consumer.wakeup();
            }
        }
        try {
            return request.get(CATCH_UP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new KeysUnavailableException("cannot read the end of key topic " + topic + ": " + e, e);
        }
    }

    private boolean reached(Map<TopicPartition, Long> ends) {
        return ends.entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    private void poll() {
        while (running.get()) {
            try {
                CompletableFuture<Map<TopicPartition, Long>> request = endRequest;
                if (request != null && !request.isDone()) {
                    request.complete(consumer.endOffsets(consumer.assignment()));
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    apply(record);
                }
                for (TopicPartition partition : consumer.assignment()) positions.put(partition, consumer.position(partition));
                synchronized (progress) {
                    progress.notifyAll();
                }
            } catch (WakeupException e) {
                // an end-offset request, or close()
            } catch (RuntimeException e) {
                if (running.get()) LOG.warn("reading key topic {}: {}", topic, e.toString());
                CompletableFuture<Map<TopicPartition, Long>> request = endRequest;
                if (request != null && !request.isDone()) request.completeExceptionally(e);
            }
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        String recordKey = record.key();
        if (recordKey == null) return;
        if (recordKey.startsWith(KeyRecord.ERASURE_PREFIX)) {
            if (record.value() != null) {
                KeyRecord receipt = Json.read(record.value(), KeyRecord.class);
                receipts.put(receipt.erasure(), receipt);
            }
            return;
        }
        int slash = recordKey.indexOf('/');
        if (slash <= 0) return;
        String customer = recordKey.substring(0, slash);
        String keyId = recordKey.substring(slash + 1);
        if (record.value() == null) {
            forgetLocally(customer, keyId);
            return;
        }
        try {
            KeyRecord value = Json.read(record.value(), KeyRecord.class);
            byte[] material = wrapper.unwrap(new KeyWrapper.Wrapped(value.masterKeyId(), Base64.getDecoder().decode(value.wrapped())),
                    aad(recordKey));
            add(new DataKey(customer, keyId, new SecretKeySpec(material, "AES")));
            wrappedWith.put(recordKey, value.masterKeyId());
        } catch (RuntimeException e) {
            // e.g. wrapped by a master key no longer configured: that customer's data is unreadable here
            LOG.error("cannot unwrap data key topic={} partition={} offset={}: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
        }
    }

    /** The wrapped key is bound to its record key: moving it to another customer does not authenticate. */
    private static byte[] aad(String recordKey) {
        return recordKey.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            poller.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(2));
        producer.close(Duration.ofSeconds(5));
    }
}
