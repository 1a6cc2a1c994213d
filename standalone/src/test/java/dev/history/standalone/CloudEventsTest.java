package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.ConsistencyToken;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.http.HttpMessageFactory;
import io.cloudevents.jackson.JsonFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /events} end to end, with the CloudEvents SDK's own encoders as the client: the three modes of the
 * HTTP binding, the mapping per type, dedupe of a resent event, identity resolution by phone and e-mail (and the
 * link of a previous identity), unknown customers and bad events (400/404/415, nothing written).
 */
class CloudEventsTest {
    private static final JsonFormat JSON = new JsonFormat();
    private static Standalone system;
    private static TestHttp http;
    private static String topic;

    @BeforeAll
    static void start() throws IOException {
        Path mapping = Files.createTempFile("cloudevents-mapping", ".json");
        Files.writeString(mapping, """
                {"types": {
                   "com.example.order.shipped": {"source": "web", "note": "Order {data.orderId} shipped by {data.carrier.name}",
                                                 "link": "https://shop.example/orders/{data.orderId}"},
                   "com.cisco.wxcc.event.survey": {"source": "ivr", "channel": "voice", "note": "Survey score {data.score} ({identitytype})"}
                 }}""");
        Map<String, String> env = TestSystems.env("cloudevents");
        env.put("CLOUDEVENTS_MAPPING_FILE", mapping.toString());
        topic = env.get("TOPIC_HISTORY_EVENTS");
        system = TestSystems.start(env);
        http = new TestHttp(system.port());
    }

    @AfterAll
    static void stop() {
        system.close();
    }

    @Test
    void structuredModeIsMappedByTypeAndResolvedByEmail() {
        String user = customer("{\"ani\":\"%s\",\"email\":\"%s@example.com\"}");
        CloudEvent event = shipped("order-1", user + "@EXAMPLE.com", "email").withTime(OffsetDateTime.parse("2026-10-01T12:00:00+02:00")).build();

        TestHttp.Response answer = send(structured(event));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode timeline = timeline(user, answer);
        assertThat(timeline).hasSize(1);
        JsonNode stored = timeline.get(0);
        assertThat(stored.get("id").asText()).isEqualTo(answer.json().get("id").asText());
        assertThat(stored.get("source").asText()).isEqualTo("web");
        assertThat(stored.get("channel").asText()).isEqualTo("digital");
        assertThat(stored.get("note").asText()).isEqualTo("Order A-17 shipped by Parcelo");
        assertThat(stored.get("link").asText()).isEqualTo("https://shop.example/orders/A-17");
        assertThat(stored.get("timestamp").asText()).isEqualTo("2026-10-01T10:00:00.000Z");
    }

    @Test
    void binaryModeIsResolvedByPhoneInAnyFormat() {
        String user = customer("{\"ani\":\"%s\"}");
        CloudEvent event = CloudEventBuilder.v1().withId("survey-" + user).withSource(URI.create("/ivr/survey")).withType("com.cisco.wxcc.event.survey")
                .withExtension("identity", "+" + phone(user).substring(0, 3) + " " + phone(user).substring(3))
                .withExtension("identitytype", "phone")
                .withDataContentType("application/json").withData("{\"score\":9}".getBytes(StandardCharsets.UTF_8)).build();

        TestHttp.Response answer = send(binary(event));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode stored = timeline(user, answer).get(0);
        assertThat(stored.get("source").asText()).isEqualTo("ivr");
        assertThat(stored.get("channel").asText()).isEqualTo("voice");
        assertThat(stored.get("note").asText()).isEqualTo("Survey score 9 (phone)");
    }

    @Test
    void batchedModeAnswersEachEventInOrder() {
        String user = customer("{\"email\":\"%s@example.com\"}");
        CloudEvent first = shipped("b1", user + "@example.com", "email").build();
        CloudEvent noIdentity = CloudEventBuilder.v1(shipped("b2", user + "@example.com", "email").build()).withoutExtension("identity").build();
        CloudEvent unmapped = CloudEventBuilder.v1(shipped("b3", user + "@example.com", "email").build()).withType("com.example.unknown").build();
        CloudEvent last = shipped("b4", user, "customerId").build();

        TestHttp.Response answer = http.answerOnly().post("/events", "application/cloudevents-batch+json",
                batch(first, noIdentity, unmapped, last));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode results = answer.json();
        assertThat(results).hasSize(4);
        assertThat(results.get(0).has("id")).isTrue();
        assertThat(results.get(1).get("status").asInt()).isEqualTo(400);
        assertThat(results.get(1).get("details").get("field").asText()).isEqualTo("identity");
        assertThat(results.get(2).get("details").get("field").asText()).isEqualTo("type");
        assertThat(results.get(3).has("id")).isTrue();
        JsonNode timeline = timeline(user, answer);
        assertThat(timeline).extracting(e -> e.get("id").asText())
                .containsExactlyInAnyOrder(results.get(0).get("id").asText(), results.get(3).get("id").asText());
    }

    @Test
    void aResentEventIsKeptOnce() {
        String user = customer("{\"email\":\"%s@example.com\"}");
        CloudEvent event = shipped("resent", user + "@example.com", "email").build();

        TestHttp.Response first = send(structured(event));
        TestHttp.Response again = send(binary(event));
        TestHttp.Response marker = send(structured(shipped("marker", user + "@example.com", "email").build()));

        assertThat(again.json().get("id").asText()).isEqualTo(first.json().get("id").asText());
        assertThat(timeline(user, marker)).hasSize(2);
    }

    @Test
    void aPreviousIdentityLinksTheNewOneToTheSameCustomer() {
        String user = customer("{\"email\":\"%s-old@example.com\"}");
        CloudEvent event = shipped("moved", user + "-new@example.com", "email").withExtension("previousidentity", user + "-old@example.com").build();

        TestHttp.Response answer = send(structured(event));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(timeline(user, answer)).hasSize(1);
        TestSystems.await("the new e-mail resolves", java.time.Duration.ofSeconds(20),
                () -> http.answerOnly().get("/getuserdata?email=" + user + "-new@example.com").status() == 200);
        assertThat(http.get("/getuserdata?email=" + user + "-new@example.com").json().get("username").asText()).isEqualTo(user);
    }

    @Test
    void anUnknownIdentityIsA404AndWritesNothing() {
        long before = TestSystems.recordCount(system.bootstrapServers(), topic);
        TestHttp.Response answer = send(structured(shipped("lost", "nobody-" + UUID.randomUUID() + "@example.com", "email").build()));
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.json().get("details").get("field").asText()).isEqualTo("identity");
        assertThat(TestSystems.recordCount(system.bootstrapServers(), topic)).isEqualTo(before);
    }

    @Test
    void badEventsAreRefusedNamingTheAttributeAndWriteNothing() {
        String user = customer("{\"email\":\"%s@example.com\"}");
        long before = TestSystems.recordCount(system.bootstrapServers(), topic);
        TestHttp bad = http.answerOnly();
        String valid = new String(JSON.serialize(shipped("bad", user + "@example.com", "email").build()), StandardCharsets.UTF_8);

        assertField(bad.post("/events", "application/cloudevents+json", valid.replace("\"id\":\"bad\",", "").getBytes()), 400, "id");
        assertField(bad.post("/events", "application/cloudevents+json", valid.replace("\"1.0\"", "\"0.9\"").getBytes()), 400, "specversion");
        assertField(bad.post("/events", "application/cloudevents+json", valid.replace("\"type\":", "\"time\":\"yesterday\",\"type\":").getBytes()), 400, "time");
        assertField(bad.post("/events", "application/cloudevents+json", "{not json".getBytes()), 400, "body");
        assertField(bad.post("/events", "application/cloudevents+json", valid.replace("\"email\"", "\"fax\"").getBytes()), 400, "identitytype");
        assertField(bad.post("/events", "application/cloudevents-batch+json", valid.getBytes()), 400, "body");
        Message binary = binary(shipped("bad-binary", user + "@example.com", "email").build());
        binary.headers().remove("ce-type");
        assertField(send(binary, bad), 400, "ce-type");
        assertField(bad.post("/events", "application/json", valid.getBytes()), 415, "Content-Type");
        assertField(bad.post("/events", "application/cloudevents+xml", valid.getBytes()), 415, "Content-Type");
        assertThat(TestSystems.recordCount(system.bootstrapServers(), topic)).isEqualTo(before);
    }

    private static void assertField(TestHttp.Response answer, int status, String field) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.json().get("details").get("field").asText()).as(answer.body()).isEqualTo(field);
    }

    /** A customer with the profile {@code json} (where {@code %s} is its phone, then its username); returns its username. */
    private static String customer(String aliases) {
        String user = "ce-" + UUID.randomUUID().toString().substring(0, 8);
        String profile = aliases.contains("\"ani\"") ? aliases.formatted(phone(user), user) : aliases.formatted(user);
        TestHttp.Response created = http.postJson("/userdata", "{\"username\":\"" + user + "\"," + profile.substring(1));
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        return user;
    }

    private static String phone(String user) {
        return "44" + (Math.abs(user.hashCode()) % 900_000_000L + 100_000_000L);
    }

    private static CloudEventBuilder shipped(String id, String identity, String identityType) {
        return CloudEventBuilder.v1().withId(id).withSource(URI.create("/shop/orders")).withType("com.example.order.shipped")
                .withExtension("identity", identity).withExtension("identitytype", identityType)
                .withDataContentType("application/json")
                .withData("{\"orderId\":\"A-17\",\"carrier\":{\"name\":\"Parcelo\"}}".getBytes(StandardCharsets.UTF_8));
    }

    /** An HTTP message as the SDK writes it. */
    record Message(Map<String, String> headers, byte[] body) {}

    private static Message structured(CloudEvent event) {
        return write(event, true);
    }

    private static Message binary(CloudEvent event) {
        return write(event, false);
    }

    private static Message write(CloudEvent event, boolean structured) {
        Map<String, String> headers = new LinkedHashMap<>();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        var writer = HttpMessageFactory.createWriter(headers::put, bytes -> body.writeBytes(bytes == null ? new byte[0] : bytes));
        if (structured) writer.writeStructured(event, JSON);
        else writer.writeBinary(event);
        return new Message(headers, body.toByteArray());
    }

    /** The batched mode: the SDK's JSON format for each event, in one array. */
    private static byte[] batch(CloudEvent... events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('[');
        for (int i = 0; i < events.length; i++) {
            if (i > 0) out.write(',');
            out.writeBytes(JSON.serialize(events[i]));
        }
        out.write(']');
        return out.toByteArray();
    }

    private static TestHttp.Response send(Message message) {
        return send(message, http);
    }

    private static TestHttp.Response send(Message message, TestHttp client) {
        String contentType = null;
        List<String> headers = new ArrayList<>();
        for (Map.Entry<String, String> h : message.headers().entrySet()) {
            if (h.getKey().equalsIgnoreCase("Content-Type")) contentType = h.getValue();
            else {
                headers.add(h.getKey());
                headers.add(h.getValue());
            }
        }
        return client.post("/events", contentType, message.body(), headers.toArray(String[]::new));
    }

    private static JsonNode timeline(String user, TestHttp.Response write) {
        TestHttp.Response read = http.get("/history?username=" + user, ConsistencyToken.HEADER, write.header(ConsistencyToken.HEADER));
        assertThat(read.status()).isEqualTo(200);
        return read.json();
    }
}
