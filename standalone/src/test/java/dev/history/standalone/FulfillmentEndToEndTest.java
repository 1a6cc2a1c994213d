package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.history.common.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A task button pressed in the widget: the webhook is called and the timeline shows its progress. */
class FulfillmentEndToEndTest {
    private static HttpServer sink;
    private static final List<String> bodies = new CopyOnWriteArrayList<>();
    private static final AtomicInteger flakyCalls = new AtomicInteger();
    private static Standalone system;
    private static TestHttp http;

    @BeforeAll
    static void start() throws IOException {
        sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sink.createContext("/ok", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        sink.createContext("/flaky", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(flakyCalls.incrementAndGet() == 1 ? 500 : 204, -1);
            exchange.close();
        });
        sink.start();
        String base = "http://127.0.0.1:" + sink.getAddress().getPort();
        Map<String, String> env = TestSystems.withFulfillment(TestSystems.env("fulfillment-e2e"), "fulfillment-e2e", """
                [{"name":"Replace card","url":"%1$s/ok","active":true},
                 {"name":"Send statement","url":"%1$s/flaky","active":true},
                 {"name":"Close account","url":"%1$s/ok","active":false}]""".formatted(base));
        env.put("FULFILLMENT_RETRY_SCHEDULE", "200ms");
        system = TestSystems.start(env);
        http = new TestHttp(system.port());
    }

    @AfterAll
    static void stop() {
        system.close();
        sink.stop(0);
    }

    @Test
    void widgetListsActiveTasksWithAUrlItCanPostTo() {
        JsonNode tasks = http.get("/fulfillment/tasks").json();
        assertThat(StreamSupport.stream(tasks.spliterator(), false).map(t -> t.get("name").asText()))
                .containsExactly("Replace card", "Send statement");
        assertThat(tasks.get(0).get("url").asText()).isEqualTo("/fulfillment?task=replace-card");
        assertThat(tasks.get(0).get("active").asBoolean()).isTrue();
    }

    @Test
    void pressingAButtonCallsTheWebhookAndTheTimelineShowsItsProgress() {
        String parent = http.postJson("/history", "{\"username\":\"fiona\",\"source\":\"ivr\",\"note\":\"call\"}")
                .json().get("id").asText();

        TestHttp.Response accepted = http.postJson("/fulfillment?task=replace-card", """
                {"preferredChannel":"sms","msisdn":"447700900123","username":"fiona","eventParent":"%s"}""".formatted(parent));

        assertThat(accepted.status()).isEqualTo(202);
        String id = accepted.json().get("id").asText();
        TestSystems.await("succeeded", Duration.ofSeconds(30),
                () -> "succeeded".equals(http.get("/fulfillment/" + id).json().path("state").asText()));
        JsonNode body = Json.MAPPER.valueToTree(Json.read(bodies.get(0).getBytes(), Map.class));
        assertThat(body.toString()).isEqualTo(
                "{\"preferredChannel\":\"sms\",\"msisdn\":\"447700900123\",\"username\":\"fiona\",\"eventParent\":\"" + parent + "\"}");
        TestSystems.await("child events", Duration.ofSeconds(20), () -> notes("fiona").size() == 3);
        JsonNode timeline = http.get("/history?username=fiona").json();
        assertThat(notes("fiona").subList(1, 3)).containsExactly("Replace card requested", "Replace card succeeded");
        assertThat(timeline.get(1).get("parent").asText()).isEqualTo(parent);
        assertThat(timeline.get(2).get("parent").asText()).isEqualTo(parent);
    }

    @Test
    void aFailedAttemptIsRetriedAndShownInTheTimeline() {
        TestHttp.Response accepted = http.postJson("/fulfillment",
                "{\"task\":\"Send statement\",\"username\":\"gail\",\"msisdn\":\"1\",\"preferredChannel\":\"email\",\"eventParent\":\"\"}");
        assertThat(accepted.status()).isEqualTo(202);
        String id = accepted.json().get("id").asText();

        TestSystems.await("succeeded after a retry", Duration.ofSeconds(30),
                () -> "succeeded".equals(http.get("/fulfillment/" + id).json().path("state").asText()));
        JsonNode status = http.get("/fulfillment/" + id).json();
        assertThat(status.get("attempts")).hasSize(2);
        TestSystems.await("three child events", Duration.ofSeconds(20), () -> notes("gail").size() == 3);
        List<String> notes = notes("gail");
        assertThat(notes.get(0)).isEqualTo("Send statement requested");
        assertThat(notes.get(1)).startsWith("Send statement attempt 1 failed");
        assertThat(notes.get(2)).isEqualTo("Send statement succeeded after 2 attempts");
        String metrics = http.get("/metrics").body();
        assertThat(metrics).contains("webhook_attempts_total{outcome=\"retry\",service=\"standalone\",status=\"500\",task=\"send-statement\"}")
                .contains("fulfillment_completions_total{result=\"succeeded\",service=\"standalone\",task=\"send-statement\"}")
                .contains("webhook_latency_seconds_count{service=\"standalone\",task=\"send-statement\"}");
    }

    @Test
    void inactiveOrUnknownTasksCannotBeRequested() {
        assertThat(http.postJson("/fulfillment", "{\"task\":\"Close account\",\"username\":\"x\"}").status()).isEqualTo(422);
        assertThat(http.postJson("/fulfillment", "{\"task\":\"Fly to Mars\",\"username\":\"x\"}").status()).isEqualTo(404);
        // No username, on purpose: only the answer is checked against the OpenAPI document.
        assertThat(http.answerOnly().postJson("/fulfillment", "{\"task\":\"Replace card\"}").json().get("details").get("field").asText())
                .isEqualTo("username");
    }

    @Test
    void aCustomerTheEventRulesRefuseIsRefusedAlikeByTheGatewayAndTheWorker() {
        String tooLong = "u".repeat(257);
        // Invalid on purpose: only the answers are checked against the OpenAPI document.
        TestHttp.Response event = http.answerOnly().postJson("/history", "{\"username\":\"" + tooLong + "\",\"source\":\"ivr\"}");
        TestHttp.Response task = http.answerOnly().postJson("/fulfillment?task=replace-card", "{\"username\":\"" + tooLong + "\"}");
        assertThat(event.status()).isEqualTo(400);
        assertThat(task.status()).isEqualTo(400);
        assertThat(event.body()).isEqualTo("{\"error\":\"username is longer than 256 characters\",\"details\":{\"field\":\"username\"}}");
        assertThat(task.body()).isEqualTo(event.body());
    }

    private static List<String> notes(String user) {
        return StreamSupport.stream(http.get("/history?username=" + user).json().spliterator(), false)
                .map(e -> e.get("note").asText()).toList();
    }
}
