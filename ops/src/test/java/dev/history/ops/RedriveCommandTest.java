package dev.history.ops;

import static dev.history.ops.Ops.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.history.common.Env;
import dev.history.common.HistoryCommand;
import dev.history.common.Ids;
import dev.history.common.Json;
import dev.history.common.Timestamps;
import dev.history.fulfillment.FulfillmentConfig;
import dev.history.fulfillment.FulfillmentRequest;
import dev.history.fulfillment.FulfillmentService;
import dev.history.fulfillment.FulfillmentStatus;
import dev.history.fulfillment.RetryRecord;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.history.standalone.TestSystems;

/**
 * {@code ops redrive} against a running fulfillment worker on the shared embedded broker: requests whose
 * webhook fails until it is switched to succeed end in the dead-letter topic, and come back as a new
 * attempt chain with the same webhook-id, once.
 */
class RedriveCommandTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static Map<String, String> env;
    private static FulfillmentService service;
    private static HttpServer sink;
    /** Paths that answer 500 (the rest answer 200). */
    private static final Set<String> failing = ConcurrentHashMap.newKeySet();
    /** Every delivery: path, webhook-id, webhook-attempt. */
    private static final List<String[]> deliveries = new CopyOnWriteArrayList<>();

    private static dev.history.common.privacy.Privacy privacy;

    @BeforeAll
    static void start() throws Exception {
        sink = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        sink.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            String path = ex.getRequestURI().getPath();
            deliveries.add(new String[] {path, ex.getRequestHeaders().getFirst("webhook-id"),
                    ex.getRequestHeaders().getFirst("webhook-attempt")});
            ex.sendResponseHeaders(failing.contains(path) ? 500 : 200, -1);
            ex.close();
        });
        sink.start();
        String base = "http://127.0.0.1:" + sink.getAddress().getPort();
        env = TestSystems.withFulfillment(TestSystems.env("redrive"), "redrive", """
                [{"name": "Replace card", "url": "%s/replace", "active": true},
                 {"name": "Send statement", "url": "%s/statement", "active": true}]
                """.formatted(base, base));
        env.put("FULFILLMENT_RETRY_SCHEDULE", "20ms");
        env.put("FULFILLMENT_RETRY_JITTER", "0");
        env.put("FULFILLMENT_MAX_ATTEMPTS", "2");
        env.put("FULFILLMENT_COMMIT_INTERVAL_MS", "100");
        // crypto-shredding is on (TestSystems.env): child events are keyed by pseudonym, their notes sealed
        privacy = dev.history.common.privacy.Privacy.start(dev.history.common.privacy.ErasureSettings.from(Env.of(env)),
                dev.history.common.KafkaSettings.from(Env.of(env)), "redrive-test");
        service = new FulfillmentService(FulfillmentConfig.from(Env.of(env)));
        service.start();
        TestSystems.await("fulfillment ready", Duration.ofSeconds(60), service::isReady);
    }

    @AfterAll
    static void stop() {
        if (service != null) service.close();
        if (privacy != null) privacy.close();
        if (sink != null) sink.stop(0);
    }

    @Test
    void redriveByIdDeliversOnceMoreWithTheSameWebhookIdAndOnlyOnce() throws Exception {
        failing.add("/replace");
        String id = submit("Replace card", "alice");
        FulfillmentStatus failed = await(id, FulfillmentStatus.FAILED, 0);
        assertThat(failed.attempts()).hasSize(2);
        assertThat(deadLetters(id)).hasSize(1);
        assertThat(notes("alice")).last().asString().startsWith("Replace card failed after 2 attempts: HTTP 500");
        failing.remove("/replace");

        long retriesBefore = TestSystems.recordCount(bootstrap(), retries());
        Ops.Result dryRun = run(env, "redrive", "--id", id, "--dry-run");
        assertThat(dryRun.code()).isZero();
        assertThat(dryRun.out()).contains("dry run, nothing written").contains("matched=1 wouldRedrive=1 ");
        assertThat(TestSystems.recordCount(bootstrap(), retries())).isEqualTo(retriesBefore);

        Ops.Result run = run(env, "redrive", "--id", id);
        assertThat(run.code()).isZero();
        assertThat(run.out()).contains("matched=1 redriven=1 skippedAlreadyRedriven=0");
        FulfillmentStatus succeeded = await(id, FulfillmentStatus.SUCCEEDED, 1);
        assertThat(succeeded.redrives()).isEqualTo(1);
        assertThat(succeeded.attempts()).extracting(FulfillmentStatus.Attempt::attempt).containsExactly(1);
        assertThat(succeeded.attempts().get(0).status()).isEqualTo(200);
        List<String[]> calls = calls(id);
        assertThat(calls).extracting(c -> c[2]).containsExactly("1", "2", "1");
        assertThat(calls).extracting(c -> c[1]).containsOnly(id);
        TestSystems.await("child events", WAIT, () -> notes("alice").size() >= 5);
        List<String> notes = notes("alice");
        assertThat(notes).hasSize(5);
        assertThat(notes.subList(2, 5)).satisfiesExactly(
                n -> assertThat(n).startsWith("Replace card failed after 2 attempts"),
                n -> assertThat(n).isEqualTo("Replace card redriven"),
                n -> assertThat(n).isEqualTo("Replace card succeeded"));
        assertThat(history("alice")).extracting(c -> c.event().id()).doesNotHaveDuplicates()
                .contains(Ids.stable(id, "redriven", "1"), Ids.stable(id, "redrive", "1", "succeeded"));

        // Running it again changes nothing: the status shows the dead letter's chain was redriven.
        Ops.Result again = run(env, "redrive", "--id", id);
        assertThat(again.code()).isZero();
        assertThat(again.out()).contains("matched=1 redriven=0 skippedAlreadyRedriven=1");

        // The redrive record read a second time (a replay, a crash before the commit) is skipped too.
        ConsumerRecord<String, byte[]> redriveRecord = records(retries()).stream()
                .filter(r -> id.equals(r.key()) && Json.read(r.value(), RetryRecord.class).redrive() != null)
                .findFirst().orElseThrow();
        assertThat(Json.read(redriveRecord.value(), RetryRecord.class).redrive().generation()).isEqualTo(1);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()),
                new org.apache.kafka.common.serialization.StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(retries(), redriveRecord.key(), redriveRecord.value())).get();
        }
        awaitConsumed(retries());
        assertThat(calls(id)).hasSize(3);
        assertThat(service.status(id).orElseThrow()).isEqualTo(succeeded);
        assertThat(notes("alice")).hasSize(5);
    }

    @Test
    void taskAndTimeRangeSelectTheirDeadLettersAndDryRunWritesNothing() throws Exception {
        failing.add("/replace");
        failing.add("/statement");
        String statement = submit("Send statement", "bob");
        await(statement, FulfillmentStatus.FAILED, 0);
        Thread.sleep(20);
        Instant from = Instant.now();
        String card = submit("Replace card", "carol");
        await(card, FulfillmentStatus.FAILED, 0);
        Thread.sleep(20);
        Instant to = Instant.now();
        String later = submit("Replace card", "dave");
        await(later, FulfillmentStatus.FAILED, 0);
        failing.remove("/replace");
        failing.remove("/statement");

        long retriesBefore = TestSystems.recordCount(bootstrap(), retries());
        Ops.Result byTask = run(env, "redrive", "--task", "send-statement", "--dry-run");
        assertThat(byTask.code()).isZero();
        assertThat(byTask.out()).contains("matched=1 wouldRedrive=1 ");
        assertThat(byTask.err()).contains("would redrive " + statement);
        Ops.Result byTime = run(env, "redrive", "--from-time", from.toString(), "--to-time", to.toString(),
                "--dry-run");
        assertThat(byTime.code()).isZero();
        assertThat(byTime.out()).contains("matched=1 wouldRedrive=1 ");
        assertThat(byTime.err()).contains("would redrive " + card);
        assertThat(TestSystems.recordCount(bootstrap(), retries())).isEqualTo(retriesBefore);
        assertThat(service.status(statement).orElseThrow().state()).isEqualTo(FulfillmentStatus.FAILED);

        assertThat(run(env, "redrive", "--task", "Send statement").out()).contains("matched=1 redriven=1 ");
        assertThat(run(env, "redrive", "--from-time", from.toString(), "--to-time", to.toString()).out())
                .contains("matched=1 redriven=1 ");
        assertThat(await(statement, FulfillmentStatus.SUCCEEDED, 1).attempts()).hasSize(1);
        assertThat(await(card, FulfillmentStatus.SUCCEEDED, 1).attempts()).hasSize(1);
        assertThat(calls(statement)).extracting(c -> c[2]).containsExactly("1", "2", "1");
        // Outside both selections: still failed, not called again.
        assertThat(service.status(later).orElseThrow().state()).isEqualTo(FulfillmentStatus.FAILED);
        assertThat(calls(later)).hasSize(2);
        assertThat(run(env, "redrive", "--task", "send-statement").out())
                .contains("matched=1 redriven=0 skippedAlreadyRedriven=1");
    }

    @Test
    void badCommandLinesExitWithTwo() {
        assertThat(run(env, "redrive", "--from-time", "2026-01-02T00:00:00Z", "--to-time", "2026-01-01T00:00:00Z").code())
                .isEqualTo(2);
        assertThat(run(env, "redrive", "--from-time", "2026-01-02T00:00:00Z").code()).isEqualTo(2);
        assertThat(run(env, "redrive", "--help").out()).contains("--task").contains("--dry-run");
    }

    private static String submit(String taskName, String username) throws Exception {
        String taskId = taskName.toLowerCase().replace(' ', '-');
        FulfillmentRequest request = new FulfillmentRequest(Ids.next(), taskId, taskName, username, "15551234567", "sms",
                "", Timestamps.now());
        return service.submit(request).get(30, TimeUnit.SECONDS).id();
    }

    private static FulfillmentStatus await(String id, String state, int redrives) {
        TestSystems.await(id + " " + state + " on chain " + redrives, WAIT, () -> service.status(id)
                .filter(s -> state.equals(s.state()) && s.redrives() == redrives).isPresent());
        return service.status(id).orElseThrow();
    }

    private static List<String[]> calls(String id) {
        return deliveries.stream().filter(d -> id.equals(d[1])).toList();
    }

    private static String bootstrap() {
        return env.get("KAFKA_BOOTSTRAP_SERVERS");
    }

    private static String retries() {
        return env.get("TOPIC_FULFILLMENT_RETRIES");
    }

    private static List<ConsumerRecord<String, byte[]>> deadLetters(String id) {
        return records(env.get("TOPIC_FULFILLMENT_DEAD_LETTERS")).stream().filter(r -> id.equals(r.key())).toList();
    }

    private static List<HistoryCommand> history(String username) {
        String customer = privacy.customer(username);
        return records(env.get("TOPIC_HISTORY_EVENTS")).stream().filter(r -> customer.equals(r.key()))
                .map(r -> Json.read(r.value(), HistoryCommand.class)).toList();
    }

    private static List<String> notes(String username) {
        return history(username).stream().map(c -> privacy.open(privacy.customer(username), c.event().note())).toList();
    }

    /** Every record of a topic up to its current end, partition by partition. */
    private static List<ConsumerRecord<String, byte[]>> records(String topic) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                     new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) throw new AssertionError("cannot read " + topic);
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) out.add(r);
                }
            }
        }
        out.sort(java.util.Comparator.comparingLong(ConsumerRecord::timestamp));
        return out;
    }

    /** Waits until the worker's group has committed {@code topic} up to its end (every record handled). */
    private static void awaitConsumed(String topic) {
        Map<String, Object> props = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        try (Admin admin = Admin.create(props)) {
            TestSystems.await("worker consumed " + topic, WAIT, () -> {
                try {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                            env.get("FULFILLMENT_GROUP_ID")).partitionsToOffsetAndMetadata().get();
                    long end = TestSystems.recordCount(bootstrap(), topic);
                    long done = committed.entrySet().stream().filter(e -> e.getKey().topic().equals(topic))
                            .mapToLong(e -> e.getValue().offset()).sum();
                    return done >= end;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }
}
