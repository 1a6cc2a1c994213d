package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.ConsistencyToken;
import dev.history.common.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Webex Contact Center task notifications → timelines, end to end: recorded sequences (webhooks of a voice call,
 * Desktop SDK events of a chat; fixtures under {@code webex-cc/}) become the expected interaction, whatever the
 * delivery order and however often a notification is redelivered; a bad signature is refused and writes nothing.
 */
class WebexTaskEventsTest {
    private static final String SECRET = "wxcc-subscription-secret-for-tests";
    private static Standalone system;
    private static TestHttp http;
    private static String topic;

    @BeforeAll
    static void start() {
        Map<String, String> env = TestSystems.env("webexcc");
        env.put("WEBEX_CC_WEBHOOK_SECRET", SECRET);
        env.put("ADAPTER_UNKNOWN_CUSTOMER", "create");
        topic = env.get("TOPIC_HISTORY_EVENTS");
        system = TestSystems.start(env);
        http = new TestHttp(system.port());
    }

    @AfterAll
    static void stop() {
        system.close();
    }

    @Test
    void aVoiceCallBecomesOneInteractionWithItsSteps() {
        String user = "caller-" + UUID.randomUUID();
        String phone = knownCaller(user);
        ConsistencyToken token = deliver(fixture("voice-call.json", phone));

        JsonNode timeline = timeline(user, token);
        assertThat(notes(timeline)).containsExactly("Voice call from " + phone, "Assigned to Dana Agent", "On hold", "Resumed",
                "Ended (Customer Left)", "Wrap-up: Card replaced");
        JsonNode parent = timeline.get(0);
        assertThat(parent.get("source").asText()).isEqualTo("agent");
        assertThat(parent.get("channel").asText()).isEqualTo("voice");
        assertThat(parent.get("parent").asText()).isEmpty();
        assertThat(parent.get("timestamp").asText()).isEqualTo("2026-11-01T08:00:00.000Z");
        for (int i = 1; i < timeline.size(); i++) {
            assertThat(timeline.get(i).get("parent").asText()).isEqualTo(parent.get("id").asText());
            assertThat(timeline.get(i).get("level").asInt()).isEqualTo(2);
            assertThat(timeline.get(i).get("source").asText()).isEqualTo("agent");
        }
    }

    @Test
    void aChatFromTheDesktopSdkCreatesItsCustomerAndTimeline() {
        String email = "chat-" + UUID.randomUUID() + "@example.com";
        ConsistencyToken token = deliver(fixture("chat.json", email));

        TestHttp.Response customer = http.get("/getuserdata?email=" + email, ConsistencyToken.HEADER, token.encode());
        assertThat(customer.status()).isEqualTo(200);
        String user = customer.json().get("username").asText();
        assertThat(user).isEqualTo(email);
        JsonNode timeline = timeline(user, token);
        assertThat(notes(timeline)).containsExactly("Chat from " + email, "Assigned to Riley Agent", "Transferred to Billing queue",
                "Ended (Agent Left)", "Wrap-up: Billing question");
        assertThat(timeline.get(0).get("source").asText()).isEqualTo("webchat");
        assertThat(timeline.get(0).get("channel").asText()).isEqualTo("digital");
        timeline.forEach(e -> assertThat(e.get("source").asText()).isEqualTo("webchat"));
    }

    @Test
    void redeliveredAndReorderedNotificationsGiveTheSameTimeline() {
        String inOrder = "ordered-" + UUID.randomUUID();
        String shuffled = "shuffled-" + UUID.randomUUID();
        JsonNode expected = timeline(inOrder, deliver(fixture("voice-call.json", knownCaller(inOrder))));

        List<JsonNode> notifications = fixture("voice-call.json", knownCaller(shuffled));
        List<JsonNode> delivery = new ArrayList<>(notifications);
        Collections.reverse(delivery); // "ended" and wrap-up before "assigned", children before their parent
        delivery.addAll(notifications); // every notification redelivered
        delivery.add(notifications.get(4));
        JsonNode actual = timeline(shuffled, deliver(delivery));

        assertThat(notes(actual).subList(1, 6)).isEqualTo(notes(expected).subList(1, 6));
        assertThat(notes(actual).get(0)).startsWith("Voice call from +1");
        assertThat(actual).hasSize(6);
        String parent = actual.get(0).get("id").asText();
        for (int i = 1; i < actual.size(); i++) assertThat(actual.get(i).get("parent").asText()).isEqualTo(parent);
        for (int i = 0; i < actual.size(); i++) {
            assertThat(actual.get(i).get("timestamp").asText()).isEqualTo(expected.get(i).get("timestamp").asText());
        }
    }

    @Test
    void aBadSignatureIsRefusedAndWritesNothing() {
        String user = "forged-" + UUID.randomUUID();
        String phone = knownCaller(user);
        byte[] body = Json.write(fixture("voice-call.json", phone).get(0));
        long before = TestSystems.recordCount(system.bootstrapServers(), topic);
        TestHttp refused = http.answerOnly();

        TestHttp.Response forged = refused.post("/adapters/webex-cc", "application/json", body,
                "X-WebexCC-Signature", sign("not-the-secret", body));
        TestHttp.Response unsigned = refused.post("/adapters/webex-cc", "application/json", body);
        TestHttp.Response withApiKeyOnly = refused.post("/adapters/webex-cc", "application/json", body, "X-API-Key", "hp_live_x");
        byte[] tampered = new String(body, StandardCharsets.UTF_8).replace("task:new", "task:ended").getBytes(StandardCharsets.UTF_8);
        TestHttp.Response altered = refused.post("/adapters/webex-cc", "application/json", tampered,
                "X-WebexCC-Signature", sign(SECRET, body));
        TestHttp.Response wrongTimestamp = refused.post("/adapters/webex-cc", "application/json", body,
                "X-WebexCC-Signature", sign(SECRET, body), "X-WebexCC-Timestamp", "1793520000001");

        for (TestHttp.Response r : List.of(forged, unsigned, withApiKeyOnly, altered, wrongTimestamp)) {
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.json().get("details").get("field").asText()).startsWith("X-WebexCC-");
        }
        assertThat(TestSystems.recordCount(system.bootstrapServers(), topic)).isEqualTo(before);
        assertThat(http.get("/history?username=" + user).body()).isEqualTo("[]");

        TestHttp.Response signed = http.post("/adapters/webex-cc", "application/json", body,
                "X-WebexCC-Signature", sign(SECRET, body), "X-WebexCC-Timestamp", "1793520000000");
        assertThat(signed.status()).isEqualTo(200);
        assertThat(signed.json().get("ids")).hasSize(1);
    }

    @Test
    void notificationsThatChangeNoTimelineAreAcknowledgedWithoutWriting() {
        byte[] body = "{\"id\":\"login-1\",\"type\":\"agent:login\",\"data\":{\"agentId\":\"x\"}}".getBytes(StandardCharsets.UTF_8);
        long before = TestSystems.recordCount(system.bootstrapServers(), topic);
        TestHttp.Response answer = http.post("/adapters/webex-cc", "application/json", body, "X-WebexCC-Signature", sign(SECRET, body));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().get("ids")).isEmpty();
        assertThat(TestSystems.recordCount(system.bootstrapServers(), topic)).isEqualTo(before);
    }

    /** A customer the directory knows by phone number; returns the number as the platform reports it. */
    private static String knownCaller(String user) {
        String digits = String.valueOf(Math.abs(user.hashCode()) % 1_000_000_0L + 10_000_000_0L);
        TestHttp.Response created = http.postJson("/userdata", "{\"username\":\"" + user + "\",\"ani\":\"1" + digits + "\"}");
        assertThat(created.status()).isEqualTo(200);
        return "+1" + digits;
    }

    /**
     * Delivers the notifications one by one, signed, redelivering one answered 503 as the platform does (e.g. a
     * new customer's profile the directory has not decided about in time); returns the token covering every write.
     */
    private static ConsistencyToken deliver(List<JsonNode> notifications) {
        ConsistencyToken token = ConsistencyToken.empty();
        for (JsonNode notification : notifications) {
            byte[] body = Json.write(notification);
            TestHttp.Response[] last = new TestHttp.Response[1];
            TestSystems.await("notification accepted", Duration.ofSeconds(30), () -> {
                last[0] = http.post("/adapters/webex-cc", "application/json", body, "X-WebexCC-Signature", sign(SECRET, body));
                return last[0].status() != 503;
            });
            TestHttp.Response answer = last[0];
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            if (answer.header(ConsistencyToken.HEADER) != null) token = token.merge(ConsistencyToken.parse(answer.header(ConsistencyToken.HEADER), ConsistencyToken.HEADER));
        }
        return token;
    }

    private static JsonNode timeline(String user, ConsistencyToken token) {
        TestHttp.Response response = http.get("/history?username=" + user, ConsistencyToken.HEADER, token.encode());
        assertThat(response.status()).isEqualTo(200);
        return response.json();
    }

    private static List<String> notes(JsonNode timeline) {
        List<String> notes = new ArrayList<>();
        timeline.forEach(e -> notes.add(e.get("note").asText()));
        return notes;
    }

    /** A recorded sequence with this run's task id, customer and notification ids. */
    static List<JsonNode> fixture(String name, String origin) {
        try (InputStream in = WebexTaskEventsTest.class.getResourceAsStream("/webex-cc/" + name)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("{{task}}", UUID.randomUUID().toString())
                    .replace("{{run}}", UUID.randomUUID().toString())
                    .replace("{{origin}}", origin);
            List<JsonNode> list = new ArrayList<>();
            Json.MAPPER.readTree(text).forEach(list::add);
            return list;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The platform's signature: hex HMAC-SHA256 of the raw body with the subscription secret. */
    static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
