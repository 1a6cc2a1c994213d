package dev.history.fulfillment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.HistoryCommand;
import dev.history.common.HistoryEvent;
import dev.history.common.Ids;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Delivery end to end: HTTP request in, real webhook sink, Kafka outcome records and status out. */
class FulfillmentDeliveryTest {
    static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
    static Sink sink;
    static Sink hangingSink;
    static Sink privateSink;
    static int closedPort;
    static TestSystem system;

    @BeforeAll
    static void start() throws Exception {
        sink = new Sink("127.0.0.1");
        hangingSink = new Sink("127.0.0.1");
        privateSink = new Sink("127.0.0.2");
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String catalog = """
                [
                  {"name": "Replace card", "url": "%s", "active": true, "secret": "%s",
                   "headers": {"Authorization": "Bearer static-token", "X-Team": "cards"}},
                  {"name": "Send statement", "url": "%s", "active": true, "retry": {"schedule": "200ms,400ms"}},
                  {"name": "Throttled", "url": "%s", "active": true},
                  {"name": "Slow", "url": "%s", "active": true, "timeoutMs": 300},
                  {"name": "Bad request", "url": "%s", "active": true},
                  {"name": "Gone", "url": "%s", "active": true},
                  {"name": "Unreachable", "url": "http://127.0.0.1:%d/hook", "active": true, "retry": {"maxAttempts": 3}},
                  {"name": "Always down", "url": "%s", "active": true, "retry": {"maxAttempts": 3}},
                  {"name": "Hanging", "url": "%s", "active": true, "timeoutMs": 5000, "retry": {"maxAttempts": 1}},
                  {"name": "Healthy", "url": "%s", "active": true},
                  {"name": "Private", "url": "%s", "active": true},
                  {"name": "Moved", "url": "%s", "active": true},
                  {"name": "Retired", "url": "%s", "active": false},
                  {"name": "Secured", "url": "%s", "active": true,
                   "oauth2": {"tokenUrl": "%s", "clientId": "worker", "clientSecret": "s3cret", "scope": "tasks"}},
                  {"name": "No url", "active": true}
                ]
                """.formatted(sink.url("/replace"), SECRET, sink.url("/statement"), sink.url("/throttled"),
                sink.url("/slow"), sink.url("/bad"), sink.url("/gone"), closedPort, sink.url("/down"),
                hangingSink.url("/hang"), sink.url("/healthy"), privateSink.url("/private"), sink.url("/moved"),
                sink.url("/retired"), sink.url("/secured"), sink.url("/token"));
        system = new TestSystem(catalog, Map.of(
                "FULFILLMENT_CONCURRENCY", "8", "FULFILLMENT_PER_HOST_CONCURRENCY", "2")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        system.close();
        sink.close();
        hangingSink.close();
        privateSink.close();
    }

    @Test
    void successFirstTimeSendsExactBodySignedHeadersAndWritesChildEvents() throws Exception {
        String id = system.request("Replace card", "alice", "parent-1");
        JsonNode status = system.awaitState(id, "succeeded", Duration.ofSeconds(20));

        assertThat(status.get("attempts")).hasSize(1);
        assertThat(status.get("attempts").get(0).get("status").asInt()).isEqualTo(200);
        assertThat(status.get("attempts").get(0).get("latencyMs").asLong()).isGreaterThanOrEqualTo(0);
        List<Sink.Delivery> deliveries = sink.byWebhookId(id);
        assertThat(deliveries).hasSize(1);
        Sink.Delivery d = deliveries.get(0);
        assertThat(d.body()).isEqualTo(
                "{\"preferredChannel\":\"sms\",\"msisdn\":\"15551234567\",\"username\":\"alice\",\"eventParent\":\"parent-1\"}");
        assertThat(d.header("content-type")).isEqualTo("application/json");
        assertThat(d.header("authorization")).isEqualTo("Bearer static-token");
        assertThat(d.header("x-team")).isEqualTo("cards");
        long timestamp = Long.parseLong(d.header("webhook-timestamp"));
        assertThat(timestamp).isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(60L));
        // Verify as a receiver would, independently of the worker's Signer.
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring("whsec_".length())), "HmacSHA256"));
        String expected = "v1," + Base64.getEncoder().encodeToString(
                mac.doFinal((id + "." + timestamp + "." + d.body()).getBytes(StandardCharsets.UTF_8)));
        assertThat(d.header("webhook-signature")).isEqualTo(expected);

        List<HistoryCommand> children = Await.until(Duration.ofSeconds(10), () -> system.history("alice"),
                h -> h.size() >= 2, "child events");
        assertThat(children).extracting(c -> c.event().note()).containsExactly("Replace card requested", "Replace card succeeded");
        HistoryEvent requested = children.get(0).event();
        assertThat(requested.id()).isEqualTo(Ids.stable(id, "requested"));
        assertThat(requested.parent()).isEqualTo("parent-1");
        assertThat(requested.level()).isEqualTo(2);
        assertThat(requested.source()).isEqualTo("agent");
        assertThat(requested.channel()).isEqualTo("digital");
        assertThat(children.get(1).type()).isEqualTo("add");
        assertThat(children.get(1).username()).isEqualTo("alice");
    }

    @Test
    void failingTwiceThenSucceedingFollowsTheSchedule() {
        sink.script("/statement", Sink.Reply.of(500), Sink.Reply.of(500));
        String id = system.request("Send statement", "bob", "");
        JsonNode status = system.awaitState(id, "succeeded", Duration.ofSeconds(20));

        assertThat(status.get("attempts")).extracting(a -> a.get("status").asInt()).containsExactly(500, 500, 200);
        List<Sink.Delivery> d = sink.byWebhookId(id);
        assertThat(d).hasSize(3);
        assertThat(d).extracting(x -> x.header("webhook-attempt")).containsExactly("1", "2", "3");
        long firstGap = d.get(1).receivedAtMillis() - d.get(0).receivedAtMillis();
        long secondGap = d.get(2).receivedAtMillis() - d.get(1).receivedAtMillis();
        assertThat(firstGap).isBetween(190L, 1500L);
        assertThat(secondGap).isBetween(390L, 1700L);

        List<String> notes = Await.until(Duration.ofSeconds(10), () -> system.notes("bob"), n -> n.size() >= 4, "child events");
        assertThat(notes).hasSize(4);
        assertThat(notes.get(0)).isEqualTo("Send statement requested");
        assertThat(notes.get(1)).startsWith("Send statement attempt 1 failed: HTTP 500 in ").contains(", next try at ");
        assertThat(notes.get(2)).startsWith("Send statement attempt 2 failed: HTTP 500 in ");
        assertThat(notes.get(3)).isEqualTo("Send statement succeeded after 3 attempts");
        HistoryEvent top = system.history("bob").get(0).event();
        assertThat(top.parent()).isEmpty();
        assertThat(top.level()).isEqualTo(1);
    }

    @Test
    void honoursRetryAfter() {
        sink.script("/throttled", new Sink.Reply(429, Map.of("Retry-After", "1"), 0, ""));
        String id = system.request("Throttled", "carol", "p");
        JsonNode retrying = system.awaitState(id, "retrying", Duration.ofSeconds(10));
        assertThat(retrying.get("attempts").get(0).get("status").asInt()).isEqualTo(429);
        assertThat(retrying.get("nextAttemptAt").asText()).isNotEmpty();
        system.awaitState(id, "succeeded", Duration.ofSeconds(20));

        List<Sink.Delivery> d = sink.byWebhookId(id);
        assertThat(d).hasSize(2);
        // The schedule says 20 ms; the server asked for 1 s.
        assertThat(d.get(1).receivedAtMillis() - d.get(0).receivedAtMillis()).isGreaterThanOrEqualTo(950L);
    }

    @Test
    void timeoutIsRetried() {
        sink.script("/slow", new Sink.Reply(200, Map.of(), 1500, ""));
        String id = system.request("Slow", "dave", "p");
        JsonNode status = system.awaitState(id, "succeeded", Duration.ofSeconds(20));
        JsonNode first = status.get("attempts").get(0);
        assertThat(first.get("status").isNull()).isTrue();
        assertThat(first.get("error").asText()).contains("timed out after 300 ms");
        assertThat(status.get("attempts")).hasSize(2);
    }

    @Test
    void badRequestAndGoneFailAtOnceWithoutRetry() {
        sink.script("/bad", Sink.Reply.of(400));
        sink.script("/gone", Sink.Reply.of(410));
        String bad = system.request("Bad request", "erin", "p");
        String gone = system.request("Gone", "erin", "p");
        JsonNode badStatus = system.awaitState(bad, "failed", Duration.ofSeconds(20));
        JsonNode goneStatus = system.awaitState(gone, "failed", Duration.ofSeconds(20));
        assertThat(badStatus.get("attempts")).hasSize(1);
        assertThat(badStatus.get("attempts").get(0).get("status").asInt()).isEqualTo(400);
        assertThat(goneStatus.get("attempts").get(0).get("status").asInt()).isEqualTo(410);
        assertThat(sink.byWebhookId(bad)).hasSize(1);
        assertThat(sink.byWebhookId(gone)).hasSize(1);
        Await.until(Duration.ofSeconds(10), () -> system.notes("erin"), n -> n.size() >= 4, "child events");
        assertThat(system.notes("erin")).contains("Bad request failed after 1 attempt: HTTP 400 in "
                + badStatus.get("attempts").get(0).get("latencyMs").asLong() + " ms");
    }

    @Test
    void redirectIsNotFollowed() {
        sink.script("/moved", new Sink.Reply(302, Map.of("Location", sink.url("/healthy")), 0, ""));
        String id = system.request("Moved", "frank", "p");
        JsonNode status = system.awaitState(id, "failed", Duration.ofSeconds(20));
        assertThat(status.get("attempts").get(0).get("status").asInt()).isEqualTo(302);
        assertThat(sink.byWebhookId(id)).extracting(Sink.Delivery::path).containsExactly("/moved");
    }

    @Test
    void connectionRefusedIsRetriedThenDeadLettered() {
        String id = system.request("Unreachable", "gina", "parent-9");
        JsonNode status = system.awaitState(id, "failed", Duration.ofSeconds(20));
        assertThat(status.get("attempts")).hasSize(3);
        assertThat(status.get("attempts")).allSatisfy(a -> {
            assertThat(a.get("status").isNull()).isTrue();
            assertThat(a.get("error").asText()).contains("connection refused");
        });
        List<ConsumerRecord<String, byte[]>> dead = Await.until(Duration.ofSeconds(10), () -> system.deadLetters(id),
                l -> !l.isEmpty(), "dead letter");
        assertThat(header(dead.get(0), "attempts")).isEqualTo("3");
        assertThat(header(dead.get(0), "last-error")).contains("connection refused");
        assertThat(header(dead.get(0), "original-topic")).isEqualTo(system.config.topics().requests());
    }

    @Test
    void givingUpWritesDeadLetterWithHeadersAndFailedChild() {
        sink.script("/down", Sink.Reply.of(503), Sink.Reply.of(503), Sink.Reply.of(503));
        String id = system.request("Always down", "hank", "parent-7");
        JsonNode status = system.awaitState(id, "failed", Duration.ofSeconds(20));
        assertThat(status.get("attempts")).extracting(a -> a.get("status").asInt()).containsExactly(503, 503, 503);
        assertThat(status.get("lastError").asText()).startsWith("HTTP 503");
        assertThat(status.get("nextAttemptAt").isNull()).isTrue();

        List<ConsumerRecord<String, byte[]>> dead = Await.until(Duration.ofSeconds(10), () -> system.deadLetters(id),
                l -> !l.isEmpty(), "dead letter");
        assertThat(dead).hasSize(1);
        ConsumerRecord<String, byte[]> r = dead.get(0);
        assertThat(header(r, "original-topic")).isEqualTo(system.config.topics().requests());
        assertThat(header(r, "original-partition")).matches("\\d+");
        assertThat(header(r, "original-offset")).matches("\\d+");
        assertThat(header(r, "attempts")).isEqualTo("3");
        assertThat(header(r, "last-status")).isEqualTo("503");
        assertThat(header(r, "last-error")).startsWith("HTTP 503");
        assertThat(TestSystem.json(new String(r.value(), StandardCharsets.UTF_8)).get("id").asText()).isEqualTo(id);

        List<String> notes = Await.until(Duration.ofSeconds(10), () -> system.notes("hank"), n -> n.size() >= 4, "children");
        assertThat(notes).hasSize(4);
        assertThat(notes.get(3)).startsWith("Always down failed after 3 attempts: HTTP 503");
        assertThat(system.history("hank").get(3).event().parent()).isEqualTo("parent-7");
    }

    @Test
    void aHangingEndpointDoesNotDelayAHealthyOne() {
        for (int i = 0; i < 4; i++) hangingSink.script("/hang", new Sink.Reply(200, Map.of(), 4000, ""));
        List<String> hanging = List.of(system.request("Hanging", "ivan", "p"), system.request("Hanging", "ivan", "p"),
                system.request("Hanging", "ivan", "p"), system.request("Hanging", "ivan", "p"));
        Await.until(Duration.ofSeconds(5), () -> hangingSink.deliveries("/hang").size(), n -> n >= 2, "hanging calls");

        long start = System.nanoTime();
        List<String> healthy = List.of(system.request("Healthy", "judy", "p"), system.request("Healthy", "judy", "p"),
                system.request("Healthy", "judy", "p"));
        for (String id : healthy) system.awaitState(id, "succeeded", Duration.ofSeconds(3));
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(tookMs).isLessThan(3000);
        // The hanging target holds only its own per-host slots.
        assertThat(hangingSink.deliveries("/hang")).hasSize(2);
        for (String id : hanging) assertThat(system.status(id).get("state").asText()).isEqualTo("pending");
    }

    @Test
    void privateTargetIsRefusedAndNeverCalled() {
        String id = system.request("Private", "kim", "p");
        JsonNode status = system.awaitState(id, "failed", Duration.ofSeconds(20));
        assertThat(status.get("attempts")).hasSize(1);
        assertThat(status.get("attempts").get(0).get("error").asText())
                .contains("127.0.0.2").contains("WEBHOOK_ALLOWED_NETWORKS");
        assertThat(privateSink.all()).isEmpty();
    }

    @Test
    void oauth2TokenIsFetchedCachedAndRefreshedOnceOn401() {
        sink.script("/token",
                new Sink.Reply(200, Map.of("Content-Type", "application/json"), 0,
                        "{\"access_token\":\"tok-1\",\"token_type\":\"Bearer\",\"expires_in\":3600}"),
                new Sink.Reply(200, Map.of("Content-Type", "application/json"), 0,
                        "{\"access_token\":\"tok-2\",\"token_type\":\"Bearer\",\"expires_in\":3600}"));
        String first = system.request("Secured", "lena", "p");
        system.awaitState(first, "succeeded", Duration.ofSeconds(20));
        sink.script("/secured", Sink.Reply.of(401));
        String second = system.request("Secured", "lena", "p");
        JsonNode status = system.awaitState(second, "succeeded", Duration.ofSeconds(20));

        assertThat(sink.byWebhookId(first)).extracting(d -> d.header("authorization")).containsExactly("Bearer tok-1");
        // The cached token was refused once: a fresh one is fetched and the call repeated within the attempt.
        assertThat(sink.byWebhookId(second)).extracting(d -> d.header("authorization"))
                .containsExactly("Bearer tok-1", "Bearer tok-2");
        assertThat(status.get("attempts")).hasSize(1);
        List<Sink.Delivery> tokenCalls = sink.deliveries("/token");
        assertThat(tokenCalls).hasSize(2);
        assertThat(tokenCalls.get(0).body()).isEqualTo("grant_type=client_credentials&scope=tasks");
        assertThat(tokenCalls.get(0).header("authorization"))
                .isEqualTo("Basic " + Base64.getEncoder().encodeToString("worker:s3cret".getBytes(StandardCharsets.UTF_8)));
    }

    static String header(ConsumerRecord<String, byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
