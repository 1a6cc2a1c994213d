package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Env;
import dev.history.common.HistoryCommand;
import dev.history.common.KafkaSettings;
import dev.history.common.privacy.CustomerKeys;
import dev.history.common.privacy.ErasureSettings;
import dev.history.common.privacy.MasterKeys;
import dev.history.common.privacy.Privacy;
import dev.history.kafka.EmbeddedKafka;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Erasure by crypto-shredding, end to end on the embedded broker: a customer with events, a profile and
 * replayed records is forgotten; nothing of it is readable anywhere afterwards (HTTP, a raw dump of every
 * topic, a rebuild of the state from the topics, a replay), other customers are untouched byte for byte.
 */
class ErasureTest {
    private static final String NAME = "erasure";
    private static Map<String, String> env;
    private static Standalone system;
    private static TestHttp http;
    private static HttpServer sink;

    @BeforeAll
    static void start() throws Exception {
        sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sink.createContext("/ok", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        sink.createContext("/fail", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        sink.start();
        String base = "http://127.0.0.1:" + sink.getAddress().getPort();
        env = TestSystems.withFulfillment(TestSystems.env(NAME), NAME, """
                [{"name":"Replace card","url":"%1$s/ok","active":true},
                 {"name":"Send statement","url":"%1$s/fail","active":true}]""".formatted(base));
        env.put("FULFILLMENT_RETRY_SCHEDULE", "100ms");
        env.put("FULFILLMENT_MAX_ATTEMPTS", "2");
        system = TestSystems.start(env);
        http = new TestHttp(system.port());
    }

    @AfterAll
    static void stop() {
        system.close();
        sink.stop(0);
    }

    @Test
    void forgottenCustomerIsUnreadableEverywhereAndOthersAreUntouched() throws Exception {
        String token = UUID.randomUUID().toString().substring(0, 8);
        String user = "victim-" + token;
        String note = "secret note " + token;
        String link = "https://crm.example/secret-" + token;
        String phone = "+44 20 7946 " + (1000 + Math.abs(token.hashCode() % 8999));
        String phoneDigits = phone.replaceAll("[^0-9]", "");
        String email = "Victim." + token + "@example.com";
        String name = "Victim Name " + token;

        assertThat(http.postJson("/userdata", """
                {"username":"%s","name":"%s","ani":"%s","email":"%s","psid":"psid-%s","msisdn":"%s"}"""
                .formatted(user, name, phone, email, token, phone)).status()).isEqualTo(200);
        for (int i = 0; i < 5; i++) {
            assertThat(http.postJson("/history", """
                    {"username":"%s","source":"ivr","note":"%s #%d","link":"%s"}""".formatted(user, note, i, link)).status())
                    .isEqualTo(200);
        }
        List<String> others = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String other = "other-" + token + "-" + i;
            others.add(other);
            for (int j = 0; j < 2; j++) {
                http.postJson("/history", """
                        {"username":"%s","source":"sms","note":"note %d of %s","link":"https://x/%d"}""".formatted(other, j, other, j));
            }
        }
        String parent = http.postJson("/history", """
                {"username":"%s","source":"ivr","note":"%s (call)"}""".formatted(user, note)).json().get("id").asText();
        String succeeded = http.postJson("/fulfillment?task=replace-card", """
                {"preferredChannel":"sms","msisdn":"%s","username":"%s","eventParent":"%s"}""".formatted(phone, user, parent))
                .json().get("id").asText();
        String deadLettered = http.postJson("/fulfillment?task=send-statement", """
                {"preferredChannel":"sms","msisdn":"%s","username":"%s","eventParent":"%s"}""".formatted(phone, user, parent))
                .json().get("id").asText();
        TestSystems.await("one request succeeded, one dead-lettered", Duration.ofSeconds(60),
                () -> "succeeded".equals(http.get("/fulfillment/" + succeeded).json().path("state").asText())
                        && "failed".equals(http.get("/fulfillment/" + deadLettered).json().path("state").asText()));
        assertThat(http.get("/fulfillment/" + succeeded).json().get("username").asText()).isEqualTo(user);
        // 5 events, the call, 2 + 3 child events (requested, succeeded / requested, attempt failed, failed)
        awaitTimelineSize(user, 11);
        assertThat(http.get("/history?username=" + user).json().get(0).get("note").asText()).isEqualTo(note + " #0");
        assertThat(http.get("/getuserdata?ani=" + phoneDigits).json().get("name").asText()).isEqualTo(name);
        Map<String, String> before = new HashMap<>();
        for (String other : others) {
            awaitTimelineSize(other, 2);
            before.put(other, http.get("/history?username=" + other).body());
        }
        // replayed records of the customer (what `ops replay` writes: the same records with the replay header)
        replayHistoryOf(user);

        TestHttp.Response erased = http.method("DELETE", "/customers/" + user);
        assertThat(erased.status()).isEqualTo(202);
        JsonNode receipt = awaitCompleted(erased.json().get("id").asText());
        assertThat(receipt.get("keysDeleted").asInt()).isGreaterThanOrEqualTo(1);

        TestSystems.await("timeline cleared", Duration.ofSeconds(20), () -> http.get("/history?username=" + user).body().equals("[]"));
        TestSystems.await("aliases released", Duration.ofSeconds(20), () -> http.get("/getuserdata?ani=" + phoneDigits).status() == 404);
        assertThat(http.get("/getuserdata?email=" + email.toLowerCase(Locale.ROOT)).status()).isEqualTo(404);
        assertThat(http.get("/getuserdata?psid=psid-" + token).status()).isEqualTo(404);
        assertThat(http.get("/fulfillment/" + succeeded).status()).isEqualTo(404);
        assertThat(http.get("/fulfillment/" + deadLettered).status()).isEqualTo(404);
        assertThat(system.privacy().keys().hasKeys(system.privacy().customer(user))).isFalse();

        // idempotent: a second erasure finds nothing left to delete
        JsonNode again = awaitCompleted(http.method("DELETE", "/customers/" + user).json().get("id").asText());
        assertThat(again.get("keysDeleted").asInt()).isZero();

        // a replay after the forget brings nothing back
        replayHistoryOf(user);
        http.postJson("/history", "{\"username\":\"" + others.get(0) + "\",\"source\":\"sms\",\"note\":\"barrier\"}");
        awaitTimelineSize(others.get(0), 3);
        assertThat(http.get("/history?username=" + user).body()).isEqualTo("[]");
        before.put(others.get(0), http.get("/history?username=" + others.get(0)).body());

        for (String other : others) assertThat(http.get("/history?username=" + other).body()).isEqualTo(before.get(other));

        // the raw bytes of every topic of this system, committed and uncommitted, hold none of the plaintext
        List<String> secrets = List.of(user, note, link, phoneDigits, phone, email.toLowerCase(Locale.ROOT), name, "psid-" + token);
        for (String isolation : List.of("read_committed", "read_uncommitted")) {
            String dump = dumpEveryTopic(isolation).toLowerCase(Locale.ROOT);
            assertThat(dump).contains(NAME + "-history-events " + system.privacy().customer(others.get(1))); // it is a real dump
            for (String secret : secrets) assertThat(dump).as(isolation + " dump").doesNotContain(secret.toLowerCase(Locale.ROOT));
        }

        // a rebuild from the topics (a new application id: empty state, everything reprocessed) brings nothing back
        Map<String, String> rebuildEnv = new HashMap<>(env);
        rebuildEnv.put("APPLICATION_ID", NAME + "-rebuild-streams");
        rebuildEnv.put("DATA_DIR", TestSystems.tempDir(NAME + "-rebuild").toString());
        rebuildEnv.put("HTTP_PORT", Integer.toString(TestSystems.freePort()));
        rebuildEnv.put("FULFILLMENT_GROUP_ID", NAME + "-rebuild-fulfillment");
        try (Standalone rebuilt = TestSystems.start(rebuildEnv)) {
            TestHttp rebuiltHttp = new TestHttp(rebuilt.port());
            for (String other : others) assertThat(rebuiltHttp.get("/history?username=" + other).body()).isEqualTo(before.get(other));
            assertThat(rebuiltHttp.get("/history?username=" + user).body()).isEqualTo("[]");
            assertThat(rebuiltHttp.get("/getuserdata?ani=" + phoneDigits).status()).isEqualTo(404);
        }

        // the same username afterwards starts a fresh, empty history
        String fresh = http.postJson("/history", "{\"username\":\"" + user + "\",\"source\":\"web\",\"note\":\"after\"}").json().get("id").asText();
        awaitTimelineSize(user, 1);
        JsonNode timeline = http.get("/history?username=" + user).json();
        assertThat(timeline.get(0).get("id").asText()).isEqualTo(fresh);
        assertThat(timeline.get(0).get("note").asText()).isEqualTo("after");
    }

    @Test
    void forgetRacingNewEventsLeavesNothingOrOnlyLaterEvents() throws Exception {
        String user = "racer-" + UUID.randomUUID().toString().substring(0, 8);
        Set<String> beforeForget = ConcurrentHashMap.newKeySet();
        Set<String> sentAfterForget = ConcurrentHashMap.newKeySet();
        AtomicBoolean forgetSent = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        for (int i = 0; i < 5; i++) beforeForget.add(post(user, "before " + i));
        Thread writer = new Thread(() -> {
            int i = 0;
            while (!stop.get()) {
                boolean after = forgetSent.get();
                String id = post(user, "during " + i++);
                if (after && id != null) sentAfterForget.add(id);
                else if (id != null) beforeForget.add(id);
            }
        });
        writer.start();
        Thread.sleep(200);
        forgetSent.set(true);
        JsonNode receipt = awaitCompleted(http.method("DELETE", "/customers/" + user).json().get("id").asText());
        assertThat(receipt.get("status").asText()).isEqualTo("completed");
        Thread.sleep(300);
        stop.set(true);
        writer.join();
        String barrier = post(user, "barrier");
        TestSystems.await("barrier visible", Duration.ofSeconds(20), () -> http.get("/history?username=" + user).body().contains(barrier));
        List<String> ids = http.get("/history?username=" + user).eventIds();
        for (String id : ids) {
            assertThat(beforeForget).as("pre-forget event %s is gone", id).doesNotContain(id);
            assertThat(sentAfterForget.contains(id) || id.equals(barrier)).isTrue();
        }
        // a second, quiet forget leaves nothing at all
        awaitCompleted(http.method("DELETE", "/customers/" + user).json().get("id").asText());
        TestSystems.await("timeline cleared", Duration.ofSeconds(20), () -> http.get("/history?username=" + user).body().equals("[]"));
    }

    @Test
    void masterKeyRotationRewrapsEveryDataKeyWithoutChangingIt() {
        KafkaSettings kafka = KafkaSettings.from(Env.of(env));
        String topic = NAME + "-rotation-keys";
        kafka.ensureTopics(List.of(Privacy.keysTopic(topic, kafka)));
        String m1 = MasterKeys.generate("m1");
        String m2 = MasterKeys.generate("m2");
        CustomerKeys.DataKey key;
        try (CustomerKeys before = CustomerKeys.start(kafka, topic, MasterKeys.parse(m1), "rotation-before")) {
            key = before.keyFor("c-rotation").join();
        }
        try (CustomerKeys during = CustomerKeys.start(kafka, topic, MasterKeys.parse(m2 + "," + m1), "rotation-during")) {
            assertThat(during.find(key.keyId())).isPresent();
            assertThat(during.rewrap()).isEqualTo(1);
            assertThat(during.rewrap()).isZero();
        }
        try (CustomerKeys after = CustomerKeys.start(kafka, topic, MasterKeys.parse(m2), "rotation-after")) {
            assertThat(after.find(key.keyId()).orElseThrow().key().getEncoded()).isEqualTo(key.key().getEncoded());
            String sealed = Privacy.seal(key, "still readable");
            assertThat(after.find(key.keyId())).isPresent();
            assertThat(sealed).doesNotContain("still readable");
        }
        try (CustomerKeys wrong = CustomerKeys.start(kafka, topic, MasterKeys.parse(MasterKeys.generate("m2")), "rotation-wrong")) {
            assertThat(wrong.size()).as("a master key with the right id but other bytes unwraps nothing").isZero();
        }
    }

    /**
     * A forget landing between a rewrap's read of the keys and its writes: the forgotten key's last record on
     * the topic (what compaction keeps, what a later start loads) must be a tombstone, not the re-wrapped key.
     */
    @Test
    void aForgetRacingARewrapStaysForgotten() throws Exception {
        KafkaSettings kafka = KafkaSettings.from(Env.of(env));
        String topic = NAME + "-race-keys";
        kafka.ensureTopics(List.of(Privacy.keysTopic(topic, kafka)));
        String m1 = MasterKeys.generate("m1");
        String m2 = MasterKeys.generate("m2");
        CustomerKeys.DataKey forgotten;
        CustomerKeys.DataKey kept;
        int rewrapped;
        try (CustomerKeys before = CustomerKeys.start(kafka, topic, MasterKeys.parse(m1), "race-before")) {
            forgotten = before.keyFor("c-race-forgotten").join();
            kept = before.keyFor("c-race-kept").join();
        }
        try (CustomerKeys rewrapper = CustomerKeys.start(kafka, topic, MasterKeys.parse(m2 + "," + m1), "race-rewrap");
                CustomerKeys gateway = CustomerKeys.start(kafka, topic, MasterKeys.parse(m2 + "," + m1), "race-gateway")) {
            rewrapped = rewrapper.rewrap(() -> assertThat(gateway.forget("c-race-forgotten")).isEqualTo(1));
        }
        Map<String, byte[]> last = new HashMap<>();
        Map<String, Object> props = new HashMap<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props,
                new org.apache.kafka.common.serialization.StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) last.put(record.key(), record.value());
            }
        }
        String forgottenKey = last.keySet().stream().filter(k -> k.endsWith("/" + forgotten.keyId())).findFirst().orElseThrow();
        assertThat(last.get(forgottenKey)).as("last record of the forgotten key").isNull();
        String keptKey = last.keySet().stream().filter(k -> k.endsWith("/" + kept.keyId())).findFirst().orElseThrow();
        assertThat(new String(last.get(keptKey), StandardCharsets.UTF_8)).contains("\"m2\"");
        assertThat(rewrapped).as("the forgotten key does not count as re-wrapped").isEqualTo(1);
    }

    /** Reads replace only the sealed values in the stored bytes: whatever a note holds comes back exactly. */
    @Test
    void sealedFieldsComeBackExactlyAsWritten() throws Exception {
        String note = "quote \" backslash \\ slash / tab \t newline \n unicode é ü 漢字 🙂 and \"note\":\"enc1.x\" inside";
        String link = "https://crm.example/case?id=1&x=\"y\"";
        String body = dev.history.common.Json.MAPPER.writeValueAsString(Map.of("username", "exact-user", "source", "web",
                "note", note, "link", link, "id", "enc1.client-id"));
        TestHttp.Response posted = http.postJson("/history", body);
        assertThat(posted.status()).as(posted.body()).isEqualTo(200);
        awaitTimelineSize("exact-user", 1);
        JsonNode event = http.get("/history?username=exact-user").json().get(0);
        assertThat(event.get("note").asText()).isEqualTo(note);
        assertThat(event.get("link").asText()).isEqualTo(link);
        assertThat(event.get("id").asText()).isEqualTo("enc1.client-id");
    }

    /** Reads keep opened answers in memory (OpenedAnswers): a forget must neither answer from there nor leave them there. */
    @Test
    void anOpenedAnswerIsNeitherAnsweredNorKeptAfterItsCustomerIsForgotten() {
        String user = "opened-" + UUID.randomUUID();
        assertThat(post(user, "read by an agent")).isNotNull();
        awaitTimelineSize(user, 1);
        for (int read = 0; read < 2; read++) {
            assertThat(http.get("/history?username=" + user).json().get(0).get("note").asText()).isEqualTo("read by an agent");
        }
        Privacy privacy = system.privacy();
        String customer = privacy.customer(user);
        String keyId = Privacy.keyIdOf(privacy.sealerFor(customer).join().apply("the customer's key"));
        assertThat(privacy.holdsOpened(keyId)).isTrue();

        assertThat(privacy.keys().forget(customer)).isEqualTo(1);
        assertThat(http.get("/history?username=" + user).json().size()).isZero(); // at once: not from memory (the pinned test below proves the key check; here the sweep may also have won)
        TestSystems.await("the opened answer swept from memory", Duration.ofSeconds(10), () -> !privacy.holdsOpened(keyId));
    }

    /** A kept answer is answered only while its page is unchanged: a new event and a reset show as they land. */
    @Test
    void aKeptAnswerNeverHidesAChangeOfItsTimeline() {
        String user = "kept-answer-" + UUID.randomUUID();
        assertThat(post(user, "first")).isNotNull();
        awaitTimelineSize(user, 1);
        for (int read = 0; read < 3; read++) assertThat(notes(user)).containsExactly("first");
        assertThat(post(user, "second")).isNotNull();
        awaitTimelineSize(user, 2);
        assertThat(notes(user)).containsExactly("first", "second");
        assertThat(http.deleteJson("/history", "{\"username\":\"" + user + "\"}").status()).isEqualTo(200);
        awaitTimelineSize(user, 0);
    }

    private static List<String> notes(String user) {
        List<String> notes = new ArrayList<>();
        http.get("/history?username=" + user).json().forEach(event -> notes.add(event.get("note").asText()));
        return notes;
    }

    /** The same, pinned: the forget's sweep is held back, and the kept answer is refused before it runs. */
    @Test
    void aKeptAnswerIsRefusedAsSoonAsItsKeyIsForgottenBeforeTheSweep() {
        Queue<Runnable> sweeps = new ConcurrentLinkedQueue<>();
        try (Privacy privacy = Privacy.start(ErasureSettings.from(Env.of(env)), KafkaSettings.from(Env.of(env)), "opened-test", sweeps::add)) {
            String customer = privacy.customer("kept-" + UUID.randomUUID());
            String sealed = privacy.sealerFor(customer).join().apply("read by an agent");
            String keyId = Privacy.keyIdOf(sealed);
            byte[] stored = ("{\"note\":\"" + sealed + "\"}").getBytes(StandardCharsets.UTF_8);
            byte[] plain = "{\"note\":\"read by an agent\"}".getBytes(StandardCharsets.UTF_8);
            Bytes name = Bytes.wrap(("answer-of-" + customer).getBytes(StandardCharsets.UTF_8));
            privacy.keepOpened(name, Privacy.Opened.of(keyId, new byte[][] {stored}, new byte[][] {plain}));
            assertThat(privacy.opened(customer, name).plain(0)).isEqualTo(plain);
            assertThat(privacy.opened(privacy.customer("someone-else"), name)).isNull();

            assertThat(privacy.keys().forget(customer)).isEqualTo(1);
            assertThat(privacy.holdsOpened(keyId)).isTrue(); // its sweep is queued, not run
            assertThat(privacy.opened(customer, name)).isNull();
            assertThat(sweeps).isNotEmpty();
            for (Runnable sweep; (sweep = sweeps.poll()) != null; ) sweep.run();
            assertThat(privacy.holdsOpened(keyId)).isFalse();
        }
    }

    @Test
    void unknownReceiptIs404() {
        assertThat(http.get("/customers/erasures/" + UUID.randomUUID()).status()).isEqualTo(404);
    }

    private static String post(String user, String note) {
        TestHttp.Response r = http.postJson("/history", "{\"username\":\"" + user + "\",\"source\":\"web\",\"note\":\"" + note + "\"}");
        return r.status() == 200 ? r.json().get("id").asText() : null;
    }

    private static JsonNode awaitCompleted(String id) {
        JsonNode[] last = new JsonNode[1];
        TestSystems.await("erasure " + id + " completed", Duration.ofSeconds(30), () -> {
            TestHttp.Response r = http.get("/customers/erasures/" + id);
            last[0] = r.status() == 200 ? r.json() : null;
            return last[0] != null && !last[0].get("status").asText().equals("running");
        });
        assertThat(last[0].get("status").asText()).isEqualTo("completed");
        return last[0];
    }

    private static void awaitTimelineSize(String user, int size) {
        TestSystems.await(user + " has " + size + " events", Duration.ofSeconds(30),
                () -> http.get("/history?username=" + user).json().size() == size);
    }

    /** Re-emits the customer's records of history-events as `ops replay` does (same key, value, header added). */
    private static void replayHistoryOf(String user) throws Exception {
        String customer = system.privacy().customer(user);
        String topic = env.get("TOPIC_HISTORY_EVENTS");
        List<ConsumerRecord<byte[], byte[]>> mine = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(List.of(topic), "read_committed")) {
            if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(customer)) mine.add(r);
        }
        assertThat(mine).isNotEmpty();
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.sharedBootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ConsumerRecord<byte[], byte[]> r : mine) {
                ProducerRecord<byte[], byte[]> copy = new ProducerRecord<>(topic, null, r.key(), r.value(), r.headers());
                copy.headers().add(HistoryCommand.REPLAY_SOURCE_TOPIC_HEADER, topic.getBytes(StandardCharsets.UTF_8));
                producer.send(copy).get();
            }
        }
    }

    /** Every record (key, value, headers) of every topic of this test's system, as text. */
    private static String dumpEveryTopic(String isolation) throws Exception {
        List<String> topics;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.sharedBootstrapServers()))) {
            topics = admin.listTopics().names().get().stream().filter(t -> t.startsWith(NAME + "-")).sorted().toList();
        }
        assertThat(topics).contains(env.get("TOPIC_HISTORY_EVENTS"), env.get("TOPIC_CUSTOMER_PROFILES"), env.get("TOPIC_CUSTOMER_KEYS"));
        assertThat(topics.stream().filter(t -> t.endsWith("-changelog"))).isNotEmpty();
        StringBuilder dump = new StringBuilder();
        for (ConsumerRecord<byte[], byte[]> r : readAll(topics, isolation)) {
            dump.append(r.topic()).append(' ');
            if (r.key() != null) dump.append(new String(r.key(), StandardCharsets.ISO_8859_1));
            dump.append(' ');
            if (r.value() != null) dump.append(new String(r.value(), StandardCharsets.ISO_8859_1));
            for (Header h : r.headers()) {
                dump.append(' ').append(h.key()).append('=');
                if (h.value() != null) dump.append(new String(h.value(), StandardCharsets.ISO_8859_1));
            }
            dump.append('\n');
        }
        return dump.toString();
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(List<String> topics, String isolation) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.sharedBootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) throw new AssertionError("topics not read to their end");
                consumer.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        return all;
    }
}
