package dev.history.fulfillment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.Json;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Issue 13, items 4, 5, 6, 7, 10, 11: the worker under rebalances, stops, dead endpoints, poison and idle metadata. */
class WorkerFaultsTest {

    /** (4) A rebalance that gives the partition back must not skip the in-flight attempt's record. */
    @Test
    void rebalanceBackToTheSameWorkerDoesNotLoseTheAttempt() throws Exception {
        try (Sink sink = new Sink("127.0.0.1")) {
            sink.script("/slow", new Sink.Reply(200, Map.of(), 3000, ""), new Sink.Reply(200, Map.of(), 3000, ""));
            String catalog = """
                    [{"name": "Slow", "url": "%s", "active": true, "timeoutMs": 8000}]""".formatted(sink.url("/slow"));
            TestSystem first = new TestSystem(catalog, Map.of("FULFILLMENT_STOP_TIMEOUT_MS", "200")).start();
            String id = first.request("Slow", "rita", "p");
            Await.until(Duration.ofSeconds(20), () -> sink.byWebhookId(id).size(), n -> n == 1, "call in flight");
            first.service.rebalanceForTest();
            // The hand-over waited 200 ms, the call still runs: the re-read record is run again, not skipped.
            Await.until(Duration.ofSeconds(20), () -> sink.byWebhookId(id).size(), n -> n == 2, "attempt re-run after the rebalance");
            first.crash(); // before either call's outcome is durable
            try (TestSystem second = first.restarted().start()) {
                second.awaitState(id, "succeeded", Duration.ofSeconds(30));
            }
        }
    }

    /** (5) Calls completing during a graceful stop are recorded (never repeated after restart); stop is quick. */
    @Test
    void gracefulStopRecordsCallsInFlightAndReturnsAsSoonAsTheyAreDone() throws Exception {
        try (Sink sink = new Sink("127.0.0.1")) {
            for (int i = 0; i < 5; i++) sink.script("/slowish", new Sink.Reply(200, Map.of(), 700, ""));
            String catalog = """
                    [{"name": "Slowish", "url": "%s", "active": true}]""".formatted(sink.url("/slowish"));
            TestSystem first = new TestSystem(catalog, Map.of("FULFILLMENT_STOP_TIMEOUT_MS", "10000")).start();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) ids.add(first.request("Slowish", "sam" + i, "p"));
            Await.until(Duration.ofSeconds(20), () -> sink.all().size(), n -> n == 5, "5 calls in flight");
            long start = System.nanoTime();
            first.close();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).as("stop waits for the calls, not for its timeout").isLessThan(Duration.ofSeconds(5));
            try (TestSystem second = first.restarted().start()) {
                for (String id : ids) second.awaitState(id, "succeeded", Duration.ofSeconds(20));
                for (String id : ids) assertThat(sink.byWebhookId(id)).as("calls of " + id).hasSize(1);
            }
        }
    }

    /** (6) Many parked retries of a dead endpoint do not stop new requests to a healthy one. */
    @Test
    void parkedRetriesOfADeadEndpointDoNotDelayAHealthyOne() throws Exception {
        try (Sink sink = new Sink("127.0.0.1")) {
            for (int i = 0; i < 20; i++) sink.script("/dead", Sink.Reply.of(503));
            String catalog = """
                    [{"name": "Dead", "url": "%s", "active": true, "retry": {"schedule": "1h"}},
                     {"name": "Healthy", "url": "%s", "active": true}]""".formatted(sink.url("/dead"), sink.url("/ok"));
            try (TestSystem system = new TestSystem(catalog, Map.of("FULFILLMENT_MAX_PENDING", "10")).start()) {
                List<String> dead = new ArrayList<>();
                for (int i = 0; i < 15; i++) dead.add(system.request("Dead", "dan" + i, "p"));
                for (String id : dead) system.awaitState(id, "retrying", Duration.ofSeconds(20));
                // Reads of the retries topic pause at 10 held and resume below 5; attempts still in flight when
                // the pause starts finish afterwards, so the parked count settles anywhere from 5 to 10.
                Await.until(Duration.ofSeconds(20), () -> system.service.held(), n -> n >= 5, "retries parked");
                for (int i = 0; i < 3; i++) {
                    long start = System.currentTimeMillis();
                    String id = system.request("Healthy", "hal" + i, "p");
                    system.awaitState(id, "succeeded", Duration.ofSeconds(10));
                    long delivered = sink.byWebhookId(id).get(0).receivedAtMillis();
                    assertThat(delivered - start).as("healthy request delivered promptly").isLessThan(2000);
                }
            }
        }
    }

    /** (7) An unreadable record is never committed past while its dead letter cannot be written. */
    @Test
    void unreadableRecordWaitsForTheDeadLetterTopic() throws Exception {
        try (Sink sink = new Sink("127.0.0.1")) {
            String catalog = """
                    [{"name": "Fine", "url": "%s", "active": true}]""".formatted(sink.url("/fine"));
            try (TestSystem system = new TestSystem(catalog, Map.of("KAFKA_REQUEST_TIMEOUT_MS", "2000")).start();
                    Admin admin = Admin.create(props(system))) {
                String dlq = system.config.topics().deadLetters();
                admin.deleteTopics(Set.of(dlq)).all().get();
                Await.until(Duration.ofSeconds(20), () -> listTopics(admin).contains(dlq), present -> !present, "DLQ deleted");
                RecordMetadata poison = produce(system, system.config.topics().requests(), 0, "bad", "not json".getBytes());
                // Other requests keep flowing meanwhile.
                String id = system.request("Fine", "fay", "p");
                system.awaitState(id, "succeeded", Duration.ofSeconds(30));
                Await.until(Duration.ofSeconds(30), () -> system.service.failedDeadLetterWrites(), n -> n >= 2, "DLQ write failures");
                TopicPartition tp = new TopicPartition(poison.topic(), poison.partition());
                assertThat(committed(admin, system, tp)).as("not committed past the unreadable record")
                        .isLessThanOrEqualTo(poison.offset());

                admin.createTopics(List.of(new NewTopic(dlq, 3, (short) 1))).all().get();
                try (TopicTail dead = system.tail(dlq)) {
                    ConsumerRecord<String, byte[]> letter = Await.until(Duration.ofSeconds(60),
                            () -> dead.records().stream().filter(r -> "bad".equals(r.key())).findFirst().orElse(null),
                            r -> r != null, "the dead letter");
                    assertThat(header(letter, DeadLetters.ORIGINAL_OFFSET)).isEqualTo(Long.toString(poison.offset()));
                }
                Await.until(Duration.ofSeconds(30), () -> committed(admin, system, tp), o -> o > poison.offset(), "committed past it");
            }
        }
    }

    /** (11) Poison records on both input topics go to the dead-letter topic; the good ones between them are delivered. */
    @Test
    void poisonRecordsAreDeadLetteredAndTheGoodOnesDelivered() throws Exception {
        try (Sink sink = new Sink("127.0.0.1")) {
            String catalog = """
                    [{"name": "Fine", "url": "%s", "active": true}]""".formatted(sink.url("/fine"));
            try (TestSystem system = new TestSystem(catalog, Map.of()).start()) {
                String requests = system.config.topics().requests();
                String retries = system.config.topics().retries();
                List<byte[]> bad = List.of("not json".getBytes(), "{\"type\":\"EventAdded\",\"username\":\"x\"}".getBytes(),
                        "[1,2]".getBytes(), "{\"id\":\"r1\",\"taskId\":\"fine\"}".getBytes());
                List<String> good = new ArrayList<>();
                List<RecordMetadata> poison = new ArrayList<>();
                for (String topic : List.of(requests, retries)) {
                    for (byte[] value : bad) {
                        String goodId = "good-" + topic.hashCode() + "-" + good.size();
                        good.add(goodId);
                        produceGood(system, topic, goodId);
                        poison.add(produce(system, topic, 0, "bad-" + poison.size(), value));
                    }
                    poison.add(produce(system, topic, 0, null, "{}".getBytes()));       // null key
                    poison.add(produce(system, topic, 0, "tombstone-" + poison.size(), null)); // null value
                    String last = "good-" + topic.hashCode() + "-last";
                    good.add(last);
                    produceGood(system, topic, last);
                }
                for (String id : good) system.awaitState(id, "succeeded", Duration.ofSeconds(30));
                for (String id : good) assertThat(sink.byWebhookId(id)).hasSize(1);
                try (TopicTail dead = system.tail(system.config.topics().deadLetters())) {
                    List<ConsumerRecord<String, byte[]>> letters = Await.until(Duration.ofSeconds(30), dead::records,
                            r -> r.size() >= poison.size(), "every poison record dead-lettered");
                    assertThat(letters).hasSize(poison.size());
                    for (RecordMetadata m : poison) {
                        assertThat(letters).anySatisfy(l -> {
                            assertThat(header(l, DeadLetters.ORIGINAL_TOPIC)).isEqualTo(m.topic());
                            assertThat(header(l, DeadLetters.ORIGINAL_PARTITION)).isEqualTo(Integer.toString(m.partition()));
                            assertThat(header(l, DeadLetters.ORIGINAL_OFFSET)).isEqualTo(Long.toString(m.offset()));
                            assertThat(header(l, DeadLetters.LAST_ERROR)).isNotBlank();
                        });
                    }
                }
            }
        }
    }

    /** (10) The first request after the producer forgot the topics' metadata answers as fast as any other. */
    @Test
    void firstRequestAfterMetadataExpiryIsFast() throws Exception {
        try (Sink sink = new Sink("127.0.0.1")) {
            String catalog = """
                    [{"name": "Fine", "url": "%s", "active": true}]""".formatted(sink.url("/fine"));
            try (TestSystem system = new TestSystem(catalog, Map.of(
                    "KAFKA_CLIENT_METADATA_MAX_IDLE_MS", "5000", "KAFKA_CLIENT_METADATA_MAX_AGE_MS", "3000")).start()) {
                system.request("Fine", "ivy", "p");
                for (int i = 0; i < 2; i++) {
                    // The quiet spell itself (not a synchronisation): long enough for the metadata to expire.
                    Thread.sleep(7_000);
                    long start = System.nanoTime();
                    HttpResponse<String> r = system.post("/fulfillment", "application/json",
                            "{\"task\":\"Fine\",\"username\":\"ivy\"}");
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    assertThat(r.statusCode()).isEqualTo(202);
                    assertThat(r.headers().firstValue("Consistency-Token")).hasValueSatisfying(
                            t -> assertThat(t).contains(system.config.topics().requests() + ":", system.config.topics().status() + ":"));
                    assertThat(took).as("answer time after a quiet spell").isLessThan(Duration.ofSeconds(2));
                }
            }
        }
    }

    private static void produceGood(TestSystem system, String topic, String id) {
        FulfillmentRequest r = new FulfillmentRequest(id, "fine", "Fine", "gus", "1", "sms", "p", dev.history.common.Timestamps.now());
        byte[] value = topic.equals(system.config.topics().retries())
                ? Json.write(new RetryRecord(r, 1, 0, null)) : Json.write(r);
        produce(system, topic, 0, id, value);
    }

    private static RecordMetadata produce(TestSystem system, String topic, int partition, String key, byte[] value) {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(props(system), new StringSerializer(), new ByteArraySerializer())) {
            return p.send(new ProducerRecord<>(topic, partition, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Properties props(TestSystem system) {
        Properties props = new Properties();
        props.put("bootstrap.servers", system.bootstrap);
        return props;
    }

    private static Set<String> listTopics(Admin admin) {
        try {
            return admin.listTopics().names().get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long committed(Admin admin, TestSystem system, TopicPartition tp) {
        try {
            Map<TopicPartition, OffsetAndMetadata> all = admin.listConsumerGroupOffsets(system.config.groupId())
                    .partitionsToOffsetAndMetadata().get();
            OffsetAndMetadata o = all.get(tp);
            return o == null ? -1 : o.offset();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
