package dev.history.fulfillment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The request side as widgets and flows use it: task list, validation, idempotency, forms, status. */
class FulfillmentRoutesTest {
    static Sink sink;
    static TestSystem system;

    @BeforeAll
    static void start() {
        sink = new Sink("127.0.0.1");
        // The widget's own button list, pasted as is.
        String catalog = """
                [
                  {"name": "Replace card", "url": "%s", "active": true},
                  {"name": "Send statement", "url": "%s", "active": true},
                  {"name": "Close account", "url": "%s", "active": false}
                ]
                """.formatted(sink.url("/replace"), sink.url("/statement"), sink.url("/close"));
        system = new TestSystem(catalog, Map.of()).start();
    }

    @AfterAll
    static void stop() throws Exception {
        system.close();
        sink.close();
    }

    @Test
    void listsOnlyActiveTasks() {
        HttpResponse<String> r = system.get("/fulfillment/tasks");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(TestSystem.json(r.body()).toString()).isEqualTo(
                "[{\"id\":\"replace-card\",\"name\":\"Replace card\",\"url\":\"/fulfillment?task=replace-card\",\"active\":true},"
                        + "{\"id\":\"send-statement\",\"name\":\"Send statement\",\"url\":\"/fulfillment?task=send-statement\",\"active\":true}]");
    }

    @Test
    void invalidRequestsAreRefusedAndNothingIsWritten() {
        long before = requestsWritten();
        HttpResponse<String> noUser = system.postInvalid("/fulfillment", "application/json", "{\"task\":\"Replace card\"}");
        HttpResponse<String> unknown = system.post("/fulfillment", "application/json", "{\"task\":\"Fly\",\"username\":\"u\"}");
        HttpResponse<String> inactive = system.post("/fulfillment", "application/json",
                "{\"task\":\"Close account\",\"username\":\"u\"}");
        HttpResponse<String> notJson = system.postInvalid("/fulfillment", "application/json", "[1,2");

        assertThat(noUser.statusCode()).isEqualTo(400);
        assertThat(TestSystem.json(noUser.body()).get("details").get("field").asText()).isEqualTo("username");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(TestSystem.json(unknown.body()).get("error").asText()).contains("Fly");
        assertThat(inactive.statusCode()).isEqualTo(422);
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(requestsWritten()).isEqualTo(before);
    }

    @Test
    void repeatedRequestWithTheSameKeyIsExecutedOnce() {
        String body = "{\"task\":\"replace-card\",\"username\":\"mia\",\"eventParent\":\"e1\"}";
        HttpResponse<String> first = system.post("/fulfillment", "application/json", body, "Idempotency-Key", "press-42");
        HttpResponse<String> again = system.post("/fulfillment", "application/json", body, "Idempotency-Key", "press-42");
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(again.statusCode()).isEqualTo(202);
        String id = TestSystem.json(first.body()).get("id").asText();
        assertThat(TestSystem.json(again.body()).get("id").asText()).isEqualTo(id);
        system.awaitState(id, "succeeded", Duration.ofSeconds(20));
        // A third repeat after completion, this time with the id in the body.
        HttpResponse<String> later = system.post("/fulfillment", "application/json",
                "{\"task\":\"replace-card\",\"username\":\"mia\",\"eventParent\":\"e1\",\"id\":\"press-42\"}");
        assertThat(TestSystem.json(later.body()).get("id").asText()).isEqualTo(id);
        awaitNoLag();
        assertThat(sink.byWebhookId(id)).hasSize(1);
        assertThat(system.notes("mia")).containsExactly("Replace card requested", "Replace card succeeded");
    }

    @Test
    void acceptsFormBodiesAndShowsStatus() {
        HttpResponse<String> r = system.post("/fulfillment", "application/x-www-form-urlencoded",
                "task=Send+statement&username=noah&msisdn=%2B15550001&preferredChannel=email&eventParent=");
        assertThat(r.statusCode()).isEqualTo(202);
        String id = TestSystem.json(r.body()).get("id").asText();
        JsonNode status = system.awaitState(id, "succeeded", Duration.ofSeconds(20));
        assertThat(status.get("id").asText()).isEqualTo(id);
        assertThat(status.get("task").asText()).isEqualTo("send-statement");
        assertThat(status.get("username").asText()).isEqualTo("noah");
        JsonNode attempt = status.get("attempts").get(0);
        assertThat(attempt.get("attempt").asInt()).isEqualTo(1);
        assertThat(attempt.get("status").asInt()).isEqualTo(200);
        assertThat(attempt.get("at").asText()).endsWith("Z");
        assertThat(sink.byWebhookId(id).get(0).body())
                .isEqualTo("{\"preferredChannel\":\"email\",\"msisdn\":\"+15550001\",\"username\":\"noah\",\"eventParent\":\"\"}");
    }

    @Test
    void unknownIdIs404() {
        HttpResponse<String> r = system.get("/fulfillment/nope");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(TestSystem.json(r.body()).get("error").asText()).contains("nope");
    }

    private static long requestsWritten() {
        Properties props = new Properties();
        props.put("bootstrap.servers", system.bootstrap);
        try (Admin admin = Admin.create(props)) {
            String topic = system.config.topics().requests();
            Map<TopicPartition, OffsetSpec> spec = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get()
                    .get(topic).partitions().stream()
                    .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
            return admin.listOffsets(spec).all().get().values().stream().mapToLong(o -> o.offset()).sum();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitNoLag() {
        Properties props = new Properties();
        props.put("bootstrap.servers", system.bootstrap);
        try (Admin admin = Admin.create(props)) {
            Await.until(Duration.ofSeconds(20), () -> {
                try {
                    var committed = admin.listConsumerGroupOffsets(system.config.groupId())
                            .partitionsToOffsetAndMetadata().get();
                    String topic = system.config.topics().requests();
                    long end = requestsWritten();
                    long done = committed.entrySet().stream().filter(e -> e.getKey().topic().equals(topic))
                            .mapToLong(e -> e.getValue().offset()).sum();
                    return end - done;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, lag -> lag == 0, "requests topic fully committed");
        }
    }
}
