package dev.history.standalone;

import dev.history.common.Env;
import dev.history.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Test environments: each test class gets its own topics, application id and data directory on the shared broker. */
public final class TestSystems {
    private TestSystems() {}

    public static Map<String, String> env(String name) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", EmbeddedKafka.sharedBootstrapServers());
        env.put("TOPIC_HISTORY_EVENTS", name + "-history-events");
        env.put("TOPIC_CUSTOMER_PROFILES", name + "-customer-profiles");
        env.put("APPLICATION_ID", name + "-streams");
        env.put("TOPIC_PARTITIONS", "4");
        env.put("DATA_DIR", tempDir(name).toString());
        env.put("HTTP_PORT", Integer.toString(freePort()));
        env.put("COMMIT_INTERVAL_MS", "50");
        // Crypto-shredding on, with secrets shared by every system of this test JVM (instances of one test
        // class must agree on pseudonyms and keys), and a key topic per test class.
        env.put("ERASURE_MASTER_KEYS", MASTER_KEYS);
        env.put("ERASURE_PEPPER", PEPPER);
        env.put("TOPIC_CUSTOMER_KEYS", name + "-customer-keys");
        return env;
    }

    public static final String MASTER_KEYS = dev.history.common.privacy.MasterKeys.generate("test-1");
    public static final String PEPPER = java.util.Base64.getEncoder().encodeToString(
            dev.history.common.privacy.Gcm.randomBytes(32));

    /**
     * Adds what the fulfillment worker needs to a test environment: this task catalog, loopback webhooks
     * allowed, and its own topics and group (named after {@code name}).
     */
    public static Map<String, String> withFulfillment(Map<String, String> env, String name, String tasksJson) {
        try {
            Path tasks = Files.createTempFile(name + "-tasks", ".json");
            Files.writeString(tasks, tasksJson);
            env.put("FULFILLMENT_TASKS_FILE", tasks.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        env.put("WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8");
        for (String topic : List.of("REQUESTS", "RETRIES", "DEAD_LETTERS", "STATUS")) {
            env.put("TOPIC_FULFILLMENT_" + topic, name + "-fulfillment-" + topic.toLowerCase().replace('_', '-'));
        }
        env.put("FULFILLMENT_GROUP_ID", name + "-fulfillment");
        return env;
    }

    public static Standalone start(Map<String, String> env) {
        return Standalone.start(Env.of(env)).awaitReady(Duration.ofSeconds(60));
    }

    public static Path tempDir(String name) {
        try {
            return Files.createTempDirectory(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Something listens on this loopback port (a connection is accepted within 500 ms). */
    public static boolean accepts(int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sum of the end offsets of a topic: unchanged means nothing was written. */
    public static long recordCount(String bootstrap, String topic) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Polls until the condition holds, failing with the message after the timeout. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
