package dev.history.fulfillment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.HistoryCommand;
import dev.history.common.Json;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every durable step of the worker, crashed right after it: the worker runs in a child JVM that halts
 * (as kill -9 would: no shutdown hook, no flush, no commit) at the crash point, the broker lives on in this
 * JVM, and a restarted worker on the same state directory must bring the request to its final state with
 * every success delivered exactly once, no attempt repeated when its step was committed, and the timeline
 * holding each child event once.
 */
class CrashPointTest {
    private static final String BODY = "{\"task\":\"Replace card\",\"username\":\"%s\",\"msisdn\":\"1555\",\"eventParent\":\"p\"}";

    @ParameterizedTest(name = "halt at {0}")
    @ValueSource(strings = {"accept", "success", "retry", "fail", "retry-uncommitted", "success-uncommitted"})
    void everyCrashPointIsRecoverable(String point) throws Exception {
        try (Sink sink = new Sink("127.0.0.1")) {
            String kind = point.replace("-uncommitted", "");
            if (point.equals("retry")) sink.script("/hook", Sink.Reply.of(500));
            // Halted before its commit, attempt 1 runs again after the restart (and fails again).
            if (point.equals("retry-uncommitted")) sink.script("/hook", Sink.Reply.of(500), Sink.Reply.of(500));
            if (kind.equals("fail")) sink.script("/hook", Sink.Reply.of(400));
            String catalog = """
                    [{"name": "Replace card", "url": "%s", "active": true, "retry": {"schedule": "300ms"}}]
                    """.formatted(sink.url("/hook"));
            // A halted member leaves the group only when its session expires: keep that short here.
            TestSystem system = new TestSystem(catalog, Map.of("KAFKA_CLIENT_SESSION_TIMEOUT_MS", "6000"));
            Map<String, String> env = new HashMap<>(system.vars());
            String user = "crash-" + point;
            HttpResponse<String> first;
            try (WorkerProcess worker = WorkerProcess.start(with(env, "FULFILLMENT_TEST_HALT_AT", point), point + "-1")) {
                Throwable lost = catchThrowable(() -> worker.post("/fulfillment", BODY.formatted(user), "Idempotency-Key", "k1"));
                if (point.equals("accept")) {
                    // Halted after the commit, before the answer: the client saw no 202.
                    assertThat(lost).isNotNull();
                } else {
                    assertThat(lost).isNull();
                }
                assertThat(worker.awaitExit(Duration.ofSeconds(60))).as("halted at " + point).isEqualTo(137);
            }
            try (WorkerProcess worker = WorkerProcess.start(env, point + "-2");
                    TopicTail history = system.tail(system.config.kafka().topics().historyEvents());
                    TopicTail deadLetters = system.tail(system.config.topics().deadLetters())) {
                // The client's retry with the same key: for "accept" it finds the durable request.
                first = worker.post("/fulfillment", BODY.formatted(user), "Idempotency-Key", "k1");
                assertThat(first.statusCode()).isEqualTo(202);
                assertThat(first.headers().firstValue("Idempotent-Replayed")).contains("true");
                String id = TestSystem.json(first.body()).get("id").asText();

                String finalState = kind.equals("fail") ? "failed" : "succeeded";
                JsonNode status = Await.until(Duration.ofSeconds(60), () -> json(worker.get("/fulfillment/" + id)),
                        s -> s != null && finalState.equals(s.get("state").asText()), id + " " + finalState);

                List<Sink.Delivery> calls = sink.byWebhookId(id);
                List<Sink.Delivery> successes = calls.stream().filter(d -> d.answered() == 200).toList();
                List<String> attempts = calls.stream().map(d -> d.header("webhook-attempt")).toList();
                if (point.equals("success-uncommitted")) {
                    // The one inherent window of at-least-once: the webhook answered, the outcome was not
                    // committed. The call is repeated with the same webhook-id and attempt, for the receiver to dedupe.
                    assertThat(successes).hasSize(2);
                    assertThat(successes).extracting(d -> d.header("webhook-attempt")).containsOnly("1");
                } else {
                    assertThat(successes).as("successes").hasSize(kind.equals("fail") ? 0 : 1);
                }
                if (!point.endsWith("-uncommitted")) {
                    assertThat(attempts).as("no committed attempt is repeated").doesNotHaveDuplicates();
                }
                int expectedAttempts = kind.equals("retry") ? 2 : 1;
                assertThat(status.get("attempts")).hasSize(expectedAttempts);
                assertThat(status.get("nextAttemptAt").isNull()).isTrue();

                List<String> expected = switch (kind) {
                    case "retry" -> List.of("Replace card requested", "attempt 1 failed", "Replace card succeeded after 2 attempts");
                    case "fail" -> List.of("Replace card requested", "Replace card failed after 1 attempt");
                    default -> List.of("Replace card requested", "Replace card succeeded");
                };
                List<String> notes = Await.until(Duration.ofSeconds(20), () -> notes(history, user),
                        n -> n.size() >= expected.size(), "child events of " + id);
                assertThat(notes).hasSize(expected.size());
                for (int i = 0; i < expected.size(); i++) assertThat(notes.get(i)).contains(expected.get(i));
                if (kind.equals("fail")) {
                    Await.until(Duration.ofSeconds(20), () -> deadLetters.records().stream().filter(r -> id.equals(r.key())).count(),
                            n -> n >= 1, "dead letter");
                    assertThat(deadLetters.records().stream().filter(r -> id.equals(r.key()))).hasSize(1);
                }
            }
        }
    }

    private static Map<String, String> with(Map<String, String> env, String key, String value) {
        Map<String, String> out = new HashMap<>(env);
        out.put(key, value);
        return out;
    }

    private static List<String> notes(TopicTail tail, String user) {
        return tail.records().stream().filter(r -> user.equals(r.key()))
                .map(r -> Json.read(r.value(), HistoryCommand.class).event().note()).toList();
    }

    private static JsonNode json(HttpResponse<String> r) {
        return r.statusCode() == 200 ? TestSystem.json(r.body()) : null;
    }
}
