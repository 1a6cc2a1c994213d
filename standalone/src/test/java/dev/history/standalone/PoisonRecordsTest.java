package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Poison records on every input topic of history-streams (history-events, customer-profiles, the alias
 * repartition topic), produced between good records on the real broker: every good record is
 * materialised, every bad one is on the dead-letter topic with its origin, and the partition keeps flowing.
 */
class PoisonRecordsTest {

    @Test
    void poisonRecordsOnEveryInputTopicAreDeadLetteredAndTheGoodOnesMaterialised() throws Exception {
        Map<String, String> env = new HashMap<>(TestSystems.env("poison"));
        env.put("TOPIC_PARTITIONS", "1"); // every record on partition 0: bad ones sit right between good ones
        try (Standalone system = TestSystems.start(env);
                KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, system.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer())) {
            TestHttp http = new TestHttp(system.port());
            String history = env.get("TOPIC_HISTORY_EVENTS");
            String profiles = env.get("TOPIC_CUSTOMER_PROFILES");
            String aliases = "poison-streams-alias-changes-repartition";
            String dlq = "poison-streams-dlq";

            List<String> bad = new ArrayList<>();
            assertThat(http.postJson("/history", "{\"username\":\"p1\",\"source\":\"ivr\",\"note\":\"before\"}").status()).isEqualTo(200);
            send(raw, history, "p1", "not json at all", bad);
            send(raw, history, "p1", "{\"id\":\"raw-1\",\"username\":\"p1\",\"source\":\"ivr\",\"note\":\"raw event\"}", bad);
            send(raw, history, "p1", null, bad);
            send(raw, history, null, "{\"type\":\"add\",\"username\":\"p1\",\"event\":{\"id\":\"nokey\"}}", bad);
            send(raw, history, "p1", "{\"type\":\"merge\",\"username\":\"p1\"}", bad);
            send(raw, history, "p1", "[\"wrong\",\"shape\"]", bad);
            assertThat(http.postJson("/history", "{\"username\":\"p1\",\"source\":\"ivr\",\"note\":\"after\"}").status()).isEqualTo(200);

            send(raw, profiles, "q1", "{not json", bad);
            send(raw, profiles, "q1", "[1,2,3]", bad);
            // A null key cannot reach customer-profiles (the broker refuses keyless records on a compacted topic),
            // and a null value is a deletion there; a profile under another user's key is the wrong shape.
            send(raw, profiles, "q1", "{\"username\":\"someone-else\",\"ani\":\"15557000\"}", bad);
            assertThat(http.postJson("/userdata", "{\"username\":\"q1\",\"ani\":\"15557001\"}").status()).isEqualTo(200);

            send(raw, aliases, "ani:15557002", "garbage", bad);
            send(raw, aliases, "ani:15557002", "{\"op\":\"steal\",\"username\":\"x\"}", bad);
            send(raw, aliases, null, "{\"op\":\"release\",\"username\":\"x\"}", bad);
            send(raw, aliases, "ani:15557002", null, bad);
            send(raw, aliases, "ani:15557002", "{\"op\":\"claim\",\"username\":\"x\"}", bad);
            assertThat(http.postJson("/userdata", "{\"username\":\"q2\",\"ani\":\"15557003\"}").status()).isEqualTo(200);

            TestSystems.await("good records materialised", Duration.ofSeconds(30), () ->
                    http.get("/history?username=p1").json().size() == 2
                            && http.get("/getuserdata?ani=15557001").status() == 200
                            && http.get("/getuserdata?ani=15557003").status() == 200);
            assertThat(http.get("/history?username=p1").json().findValuesAsText("note")).containsExactly("before", "after");
            assertThat(http.get("/getuserdata?ani=15557000").status()).isEqualTo(404);

            List<ConsumerRecord<byte[], byte[]>> dead = readAll(system.bootstrapServers(), dlq, bad.size());
            assertThat(dead).extracting(r -> header(r, "__streams.errors.topic") + "@" + header(r, "__streams.errors.offset"))
                    .containsExactlyInAnyOrderElementsOf(bad);
            assertThat(dead).allSatisfy(r -> {
                assertThat(header(r, "__streams.errors.partition")).isEqualTo("0");
                assertThat(header(r, "__streams.errors.exception")).isNotBlank();
            });
            assertThat(http.get("/metrics").body()).containsPattern("history_streams_poison_records_total\\{[^}]*\\} " + bad.size() + "\\.0");
            assertThat(http.get("/health/ready").status()).isEqualTo(200);
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> raw, String topic, String key, String value, List<String> bad)
            throws Exception {
        var metadata = raw.send(new ProducerRecord<>(topic, 0, bytes(key), bytes(value))).get();
        bad.add(topic + "@" + metadata.offset());
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
