package dev.history.common;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything every service needs to talk to Kafka, built from the environment, turned into client
 * {@link Properties} in this one place.
 *
 * @param clientOverrides extra client properties from {@code KAFKA_CLIENT_*} variables, e.g.
 *     {@code KAFKA_CLIENT_SECURITY_PROTOCOL=SASL_SSL} becomes {@code security.protocol=SASL_SSL}
 */
public record KafkaSettings(
        String bootstrapServers,
        Topics topics,
        int partitions,
        short replicationFactor,
        int minInsyncReplicas,
        String compression,
        Duration requestTimeout,
        Map<String, String> clientOverrides) {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSettings.class);
    private static final String OVERRIDE_PREFIX = "KAFKA_CLIENT_";

    public static KafkaSettings from(Env env) {
        Map<String, String> overrides = env.all().entrySet().stream()
                .filter(e -> e.getKey().startsWith(OVERRIDE_PREFIX))
                .collect(Collectors.toMap(
                        e -> e.getKey().substring(OVERRIDE_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'),
                        Map.Entry::getValue));
        short replication = (short) env.getInt("TOPIC_REPLICATION", 1);
        return new KafkaSettings(
                env.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"),
                Topics.from(env),
                env.getInt("TOPIC_PARTITIONS", 12),
                replication,
                env.getInt("TOPIC_MIN_INSYNC_REPLICAS", Math.max(1, replication - 1)),
                env.get("KAFKA_COMPRESSION", "zstd"),
                Duration.ofMillis(env.getLong("KAFKA_REQUEST_TIMEOUT_MS", 10_000)),
                Map.copyOf(overrides));
    }

    public KafkaSettings withBootstrapServers(String servers) {
        return new KafkaSettings(servers, topics, partitions, replicationFactor, minInsyncReplicas,
                compression, requestTimeout, clientOverrides);
    }

    public KafkaSettings withTopics(Topics newTopics) {
        return new KafkaSettings(bootstrapServers, newTopics, partitions, replicationFactor, minInsyncReplicas,
                compression, requestTimeout, clientOverrides);
    }

    public Properties common(String clientId) {
        Properties props = new Properties();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        props.putAll(clientOverrides);
        return props;
    }

    /**
     * A durable producer: {@code acks=all} with idempotence, so a success callback means the record is
     * on every in-sync replica, and internal retries never duplicate. Sends fail within
     * {@link #requestTimeout} so an unreachable cluster becomes a 503, not a hung request.
     */
    public Properties producer(String clientId) {
        Properties props = common(clientId);
        int timeout = (int) requestTimeout.toMillis();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(1000, timeout / 2));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeout);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.putAll(clientOverrides);
        return props;
    }

    /** Creates the given topics when missing; existing topics are left as they are. */
    public void ensureTopics(List<NewTopic> wanted) {
        Admin admin = Admin.create(common("topic-setup"));
        try {
            Set<String> existing = admin.listTopics().names().get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) return;
            try {
                admin.createTopics(missing).all().get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) throw e;
            }
            missing.forEach(t -> LOG.info("created topic {} partitions={} replication={} configs={}",
                    t.name(), t.numPartitions(), t.replicationFactor(), t.configs()));
            awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topics on " + bootstrapServers + ": " + e, e);
        } finally {
            // Bounded: a plain close() waits for pending calls up to default.api.timeout.ms (60 s) when Kafka does not answer.
            admin.close(requestTimeout);
        }
    }

    /** New partitions take a moment to get leaders; the first sends would otherwise wait on metadata. */
    private void awaitLeaders(Admin admin, List<String> names) throws InterruptedException {
        long deadline = System.nanoTime() + requestTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                boolean ready = admin.describeTopics(names).allTopicNames().get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .values().stream()
                        .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (ready) return;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                LOG.debug("waiting for leaders of {}: {}", names, e.toString());
            }
            Thread.sleep(50);
        }
    }

    /** For the start-up log line: overrides whose name suggests a secret are masked. */
    @Override
    public String toString() {
        Map<String, String> safe = clientOverrides.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> e.getKey().matches(".*(password|secret|jaas|token|key).*") ? "****" : e.getValue()));
        return "KafkaSettings[bootstrap=" + bootstrapServers + ", topics=" + topics + ", partitions=" + partitions
                + ", replication=" + replicationFactor + ", minInsync=" + minInsyncReplicas
                + ", compression=" + compression + ", requestTimeout=" + requestTimeout + ", overrides=" + safe + "]";
    }
}
