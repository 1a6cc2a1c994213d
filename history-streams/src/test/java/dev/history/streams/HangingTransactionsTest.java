package dev.history.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.history.common.Env;
import dev.history.common.HangingTransactions;
import dev.history.common.KafkaSettings;
import dev.history.kafka.EmbeddedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * On a real broker: a transaction left open on a partition pins its last stable offset, so a
 * {@code read_committed} reader never sees the acknowledged, non-transactional records written after
 * it; {@link HangingTransactions} aborts it (here by age: the test declares every open transaction
 * older than the brokers' maximum) and the later records become readable. A transaction the coordinator still runs is left alone
 * within that age.
 */
class HangingTransactionsTest {
    private static final String BOOTSTRAP = EmbeddedKafka.sharedBootstrapServers();

    @Test
    void aTransactionLeftOpenIsAbortedAndTheRecordsBehindItBecomeReadable() throws Exception {
        String topic = "hanging-" + UUID.randomUUID();
        TopicPartition tp = onePartition(topic);
        KafkaProducer<String, String> crashed = leftOpen(topic, "in the open transaction", p -> {});
        // An acknowledged plain write behind it, as the gateway's.
        try (KafkaProducer<String, String> plain = new KafkaProducer<>(plainProps())) {
            plain.send(new ProducerRecord<>(topic, "c1", "acknowledged")).get();
        }
        assertThat(readCommitted(tp, Duration.ofSeconds(2))).as("behind the open transaction").isEmpty();

        try (HangingTransactions young = new HangingTransactions(kafka, "test-hanging", topic::equals,
                Duration.ofMinutes(5), Duration.ofMinutes(15))) {
            assertThat(young.check()).as("an ongoing transaction younger than the threshold").isZero();
        }
        try (HangingTransactions guard = new HangingTransactions(kafka, "test-hanging", topic::equals,
                Duration.ZERO, Duration.ZERO)) {
            assertThat(guard.check()).isEqualTo(1);
            assertThat(guard.aborted()).isEqualTo(1);
            assertThat(guard.check()).as("nothing left to abort").isZero();
        }
        assertThat(readCommitted(tp, Duration.ofSeconds(10))).containsExactly("acknowledged");
        crashed.close(Duration.ZERO);
    }

    /**
     * Kafka Streams writes its changelog and repartition records with the timestamp of the input record,
     * so during a rebuild or a backlog a live transaction's records are hours or days "old". Seen under
     * load in bench/restore: the guard took the record timestamps for the transaction's age and aborted
     * transactions their coordinator was running (the broker refused some, "invalid producer epoch"; the
     * producers then failed with out-of-order sequence errors). Age must be the guard's own observation.
     */
    @Test
    void aLiveTransactionWithOldRecordTimestampsIsLeftAlone() throws Exception {
        String topic = "hanging-old-" + UUID.randomUUID();
        TopicPartition tp = onePartition(topic);
        long twoDaysAgo = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
        try (KafkaProducer<String, String> live = transactional("live-" + UUID.randomUUID())) {
            live.initTransactions();
            live.beginTransaction();
            live.send(new ProducerRecord<>(topic, 0, twoDaysAgo, "c1", "replayed event")).get();
            live.flush();
            try (HangingTransactions guard = new HangingTransactions(kafka, "test-hanging", topic::equals,
                    Duration.ofSeconds(30), Duration.ofMinutes(15))) {
                assertThat(guard.check()).as("a transaction its coordinator runs, records two days old").isZero();
            }
            live.commitTransaction();
        }
        assertThat(readCommitted(tp, Duration.ofSeconds(10))).containsExactly("replayed event");
    }

    /**
     * A transaction that also committed a group's offsets (as Streams and the worker do) and was left open:
     * the group's members cannot read their committed offsets (the pending commit is "unstable") and never
     * start. Seen in KillNineChaosTest: the worker never delivered again after a kill -9, because the guard
     * listed topics without the internal ones and so never looked at {@code __consumer_offsets}.
     */
    @Test
    void aTransactionalOffsetCommitLeftOpenIsAbortedAndTheGroupCanReadItsOffsets() throws Exception {
        String topic = "hanging-offsets-" + UUID.randomUUID();
        String group = "group-" + UUID.randomUUID();
        TopicPartition tp = onePartition(topic);
        KafkaProducer<String, String> crashed = leftOpen(topic, "output",
                p -> p.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(1)), new ConsumerGroupMetadata(group)));
        try (KafkaConsumer<String, String> member = groupMember(group)) {
            assertThatThrownBy(() -> member.committed(Set.of(tp), Duration.ofSeconds(3)))
                    .as("the pending offset commit blocks the group").isInstanceOf(TimeoutException.class);
        }
        try (HangingTransactions guard = new HangingTransactions(kafka, "test-hanging",
                Topic.GROUP_METADATA_TOPIC_NAME::equals, Duration.ZERO, Duration.ZERO)) {
            assertThat(guard.check()).as("the open transaction on __consumer_offsets").isGreaterThanOrEqualTo(1);
        }
        try (KafkaConsumer<String, String> member = groupMember(group)) {
            assertThat(member.committed(Set.of(tp), Duration.ofSeconds(10)).get(tp)).as("aborted: no offset").isNull();
        }
        crashed.close(Duration.ZERO);
    }

    private final KafkaSettings kafka = KafkaSettings.from(Env.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", BOOTSTRAP)));

    private TopicPartition onePartition(String topic) {
        kafka.ensureTopics(List.of(new NewTopic(topic, 1, (short) 1)));
        return new TopicPartition(topic, 0);
    }

    /**
     * A writer that dies in the middle of a transaction (never commits, never comes back): one record sent,
     * then {@code alsoInIt} (an offset commit, say), flushed.
     */
    private static KafkaProducer<String, String> leftOpen(String topic, String value,
            Consumer<KafkaProducer<String, String>> alsoInIt) throws Exception {
        KafkaProducer<String, String> crashed = transactional("crashed-" + UUID.randomUUID());
        crashed.initTransactions();
        crashed.beginTransaction();
        crashed.send(new ProducerRecord<>(topic, "c1", value)).get();
        alsoInIt.accept(crashed);
        crashed.flush();
        return crashed;
    }

    private static KafkaConsumer<String, String> groupMember(String group) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    private static KafkaProducer<String, String> transactional(String id) {
        Properties props = plainProps();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 900_000);
        return new KafkaProducer<>(props);
    }

    private static Properties plainProps() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return props;
    }

    /** What a read_committed consumer sees of the partition within {@code wait}. */
    private static List<String> readCommitted(TopicPartition tp, Duration wait) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + wait.toNanos();
            while (System.nanoTime() < deadline && values.isEmpty()) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) values.add(r.value());
            }
        }
        return values;
    }
}
