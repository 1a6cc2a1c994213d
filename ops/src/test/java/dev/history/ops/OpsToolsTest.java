package dev.history.ops;

import static dev.history.ops.Ops.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Json;
import dev.history.standalone.Standalone;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.history.standalone.TestHttp;
import dev.history.standalone.TestSystems;

/** replay, export and status against a running standalone system on the shared embedded broker. */
class OpsToolsTest {
    private static final int USERS = 6;
    private static final int EVENTS = 5;
    private static Map<String, String> env;
    private static Standalone system;
    private static TestHttp http;
    private static String topic;
    private static Instant from;
    private static Instant to;
    private static final Map<String, String> timelines = new LinkedHashMap<>();

    @BeforeAll
    static void startWithEvents() throws Exception {
        env = TestSystems.env("opstools");
        topic = env.get("TOPIC_HISTORY_EVENTS");
        system = TestSystems.start(env);
        http = new TestHttp(system.port());
        from = Instant.now();
        Thread.sleep(5);
        for (int i = 0; i < EVENTS; i++) {
            for (int user = 0; user < USERS; user++) {
                assertThat(http.postJson("/history", "{\"username\":\"t%d\",\"source\":\"web\",\"note\":\"n%d\"}"
                        .formatted(user, i)).status()).isEqualTo(200);
            }
        }
        Thread.sleep(5);
        to = Instant.now();
        TestSystems.await("events visible", Duration.ofSeconds(30), () -> {
            for (int user = 0; user < USERS; user++) {
                if (http.get("/history?username=t" + user).json().size() != EVENTS) return false;
            }
            return true;
        });
        for (int user = 0; user < USERS; user++) timelines.put("t" + user, http.get("/history?username=t" + user).body());
    }

    @AfterAll
    static void stop() {
        if (system != null) system.close();
    }

    @Test
    void replayOfATimeRangeIntoHistoryEventsCreatesNoDuplicates() throws Exception {
        long before = TestSystems.recordCount(system.bootstrapServers(), topic);
        String[] args = {"replay", "--topic", topic, "--target", topic, "--from-time", from.toString(), "--to-time", to.toString()};

        Ops.Result dryRun = run(env, append(args, "--dry-run"));
        assertThat(dryRun.code()).isEqualTo(0);
        assertThat(dryRun.out()).contains("dry run").contains("wouldWrite=" + USERS * EVENTS);
        assertThat(TestSystems.recordCount(system.bootstrapServers(), topic)).isEqualTo(before);

        Ops.Result replay = run(env, args);
        assertThat(replay.code()).isEqualTo(0);
        assertThat(replay.out()).contains("written=" + USERS * EVENTS);
        assertThat(TestSystems.recordCount(system.bootstrapServers(), topic)).isEqualTo(before + USERS * EVENTS);

        // Once the application has consumed the replayed records, every timeline is exactly as before.
        TestSystems.await("replayed records consumed", Duration.ofSeconds(30), () -> groupLag(env.get("APPLICATION_ID")) == 0);
        for (Map.Entry<String, String> timeline : timelines.entrySet()) {
            assertThat(http.get("/history?username=" + timeline.getKey()).body()).isEqualTo(timeline.getValue());
        }

        // The copies keep key, value and timestamp and say where they came from.
        List<ConsumerRecord<byte[], byte[]>> all = readAll(topic);
        List<ConsumerRecord<byte[], byte[]>> copies = all.stream()
                .filter(r -> r.headers().lastHeader(ReplayCommand.HEADER_OFFSET) != null).toList();
        assertThat(copies).hasSize(USERS * EVENTS);
        for (ConsumerRecord<byte[], byte[]> copy : copies) {
            int partition = Integer.parseInt(header(copy, ReplayCommand.HEADER_PARTITION));
            long offset = Long.parseLong(header(copy, ReplayCommand.HEADER_OFFSET));
            assertThat(header(copy, ReplayCommand.HEADER_TOPIC)).isEqualTo(topic);
            ConsumerRecord<byte[], byte[]> original = all.stream()
                    .filter(r -> r.partition() == partition && r.offset() == offset).findFirst().orElseThrow();
            assertThat(copy.key()).isEqualTo(original.key());
            assertThat(copy.value()).isEqualTo(original.value());
            assertThat(copy.timestamp()).isEqualTo(original.timestamp());
            assertThat(copy.partition()).isEqualTo(original.partition());
        }
    }

    @Test
    void replayOfAnOffsetRangeOfOnePartitionIntoAnotherTopic() throws Exception {
        String target = "opstools-copy";
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(target, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Ops.Result replay = run(env, "replay", "--topic", topic, "--target", target,
                "--from-offset", "1", "--to-offset", "3", "--partition", "0");
        assertThat(replay.code()).isEqualTo(0);
        assertThat(replay.out()).contains("written=2");
        assertThat(readAll(target)).extracting(r -> header(r, ReplayCommand.HEADER_OFFSET)).containsExactlyInAnyOrder("1", "2");

        Ops.Result missing = run(env, "replay", "--topic", topic, "--target", "opstools-no-such-topic",
                "--from-offset", "0", "--to-offset", "1");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("opstools-no-such-topic");

        Ops.Result bothRanges = run(env, "replay", "--topic", topic, "--target", target,
                "--from-offset", "0", "--to-offset", "1", "--from-time", from.toString(), "--to-time", to.toString());
        assertThat(bothRanges.code()).isEqualTo(2);
    }

    @Test
    void exportPrintsExactlyTheCustomersRecords() throws Exception {
        String username = "t3";
        Ops.Result export = run(env, "export", "--username", username);
        assertThat(export.code()).isEqualTo(0);

        // crypto-shredding: records are keyed by the customer's pseudonym; the export names the customer
        String recordKey = system.privacy().customer(username);
        List<ConsumerRecord<byte[], byte[]>> expected = readAll(topic).stream()
                .filter(r -> recordKey.equals(new String(r.key(), StandardCharsets.UTF_8))).toList();
        assertThat(expected).hasSizeGreaterThanOrEqualTo(EVENTS);
        List<String> exportedOffsets = new ArrayList<>();
        for (String line : export.lines()) {
            JsonNode node = Json.MAPPER.readTree(line);
            assertThat(node.get("key").asText()).isEqualTo(username);
            assertThat(node.get("partition").asInt()).isEqualTo(ExportCommand.partitionFor(recordKey, 4));
            assertThat(node.get("recordKey").asText()).isEqualTo(recordKey);
            assertThat(node.get("value").get("username").asText()).isEqualTo(username);
            assertThat(node.get("timestamp").asText()).endsWith("Z");
            exportedOffsets.add(node.get("partition").asInt() + "@" + node.get("offset").asLong());
        }
        assertThat(exportedOffsets).containsExactlyElementsOf(
                expected.stream().map(r -> r.partition() + "@" + r.offset()).toList());
        assertThat(export.err()).contains("exported " + expected.size() + " record(s)");

        Ops.Result unknown = run(env, "export", "--username", "nobody-" + System.nanoTime());
        assertThat(unknown.code()).isEqualTo(0);
        assertThat(unknown.out()).isEmpty();
    }

    @Test
    void forgetErasesACustomerSoThatExportShowsNothingReadable() throws Exception {
        String user = "forget-" + System.nanoTime();
        for (int i = 0; i < 3; i++) {
            assertThat(http.postJson("/history", "{\"username\":\"" + user + "\",\"source\":\"web\",\"note\":\"private " + i + "\"}")
                    .status()).isEqualTo(200);
        }
        TestSystems.await("events visible", Duration.ofSeconds(30), () -> http.get("/history?username=" + user).json().size() == 3);
        assertThat(run(env, "export", "--username", user).out()).contains("private 0");
        assertThat(run(env, "export", "--username", user, "--sealed").out()).doesNotContain("private").contains("enc1.");

        Ops.Result forget = run(env, "forget", "--username", user);
        assertThat(forget.code()).isEqualTo(0);
        assertThat(forget.out()).contains("\"status\":\"completed\"").contains("\"keysDeleted\":1").doesNotContain(user);
        TestSystems.await("timeline cleared", Duration.ofSeconds(30), () -> http.get("/history?username=" + user).body().equals("[]"));
        Ops.Result export = run(env, "export", "--username", user);
        assertThat(export.out()).doesNotContain("private").contains("[erased]");
        assertThat(run(env, "forget", "--username", user).out()).contains("\"keysDeleted\":0");
        assertThat(run(env, "forget", "--help").out()).contains("--username").contains("--dry-run");
    }

    @Test
    void statusReportsTopicsAndLagPerGroup() throws Exception {
        // A group that has read only the first record of each partition lags by the rest.
        String lagging = "opstools-lagging-reader";
        long total = TestSystems.recordCount(system.bootstrapServers(), topic);
        long expectedLag = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            for (long end : consumer.endOffsets(partitions()).values()) expectedLag += Math.max(0, end - 1);
        }
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
            for (int p = 0; p < 4; p++) offsets.put(new TopicPartition(topic, p), new OffsetAndMetadata(1));
            admin.alterConsumerGroupOffsets(lagging, offsets).all().get(30, TimeUnit.SECONDS);
        }
        Ops.Result status = run(env, "status", "--json");
        assertThat(status.code()).isEqualTo(0);
        JsonNode root = Json.MAPPER.readTree(status.out());
        JsonNode events = find(root.get("topics"), "name", topic);
        assertThat(events.get("partitions").asInt()).isEqualTo(4);
        assertThat(events.get("replication").asInt()).isEqualTo(1);
        assertThat(events.get("records").asLong()).isEqualTo(total);
        JsonNode group = find(root.get("groups"), "group", lagging);
        assertThat(group.get("lag").asLong()).isEqualTo(expectedLag).isPositive();
        assertThat(group.get("partitions")).hasSize(4);
        JsonNode app = find(root.get("groups"), "group", env.get("APPLICATION_ID"));
        assertThat(app.get("members").asInt()).isEqualTo(1);
        assertThat(app.get("state").asText()).isEqualTo("Stable");

        // The application id is always listed, even when that application never ran.
        Map<String, String> neverStarted = new java.util.HashMap<>(env);
        neverStarted.put("APPLICATION_ID", "opstools-never-started");
        Ops.Result fresh = run(neverStarted, "status", "--json");
        assertThat(fresh.code()).isEqualTo(0);
        JsonNode none = find(Json.MAPPER.readTree(fresh.out()).get("groups"), "group", "opstools-never-started");
        assertThat(none.get("members").asInt()).isZero();
        assertThat(none.get("lag").asLong()).isZero();

        Ops.Result table = run(env, "status");
        assertThat(table.code()).isEqualTo(0);
        assertThat(table.out()).contains("TOPIC").contains(topic).contains("LAG").contains(lagging).contains("(total)");
    }

    @Test
    void everyCommandHasHelpAndBadInputIsAUsageError() {
        for (String command : new String[] {"rebuild", "replay", "export", "status"}) {
            Ops.Result help = run(env, command, "--help");
            assertThat(help.code()).isEqualTo(0);
            assertThat(help.out()).contains("Usage: ops " + command).contains("--dry-run");
        }
        assertThat(run(env, "export").code()).isEqualTo(2);
        assertThat(run(env, "no-such-command").code()).isEqualTo(2);
        Ops.Result badTime = run(env, "replay", "--topic", topic, "--target", topic,
                "--from-time", "yesterday", "--to-time", to.toString());
        assertThat(badTime.code()).isEqualTo(2);
        assertThat(badTime.err()).contains("yesterday");
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode node : array) if (value.equals(node.get(field).asText())) return node;
        throw new AssertionError("no " + field + "=" + value + " in " + array);
    }

    private static String[] append(String[] args, String extra) {
        String[] result = java.util.Arrays.copyOf(args, args.length + 1);
        result[args.length] = extra;
        return result;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static Admin admin() {
        return Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, system.bootstrapServers()));
    }

    private static long groupLag(String group) {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            long lag = 0;
            try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
                for (Map.Entry<TopicPartition, Long> end : consumer.endOffsets(partitions()).entrySet()) {
                    OffsetAndMetadata offset = committed.get(end.getKey());
                    lag += end.getValue() - (offset == null ? 0 : offset.offset());
                }
            }
            return lag;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<TopicPartition> partitions() {
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < 4; p++) partitions.add(new TopicPartition(topic, p));
        return partitions;
    }

    private static KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, system.bootstrapServers()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Every record of a topic, in partition then offset order. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String name) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(name).stream()
                    .map(p -> new TopicPartition(name, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) throw new AssertionError("could not read " + name);
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            records.sort(java.util.Comparator.comparingInt((ConsumerRecord<byte[], byte[]> r) -> r.partition())
                    .thenComparingLong(ConsumerRecord::offset));
            return records;
        }
    }
}
