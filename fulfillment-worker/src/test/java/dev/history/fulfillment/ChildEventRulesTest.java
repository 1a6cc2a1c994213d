package dev.history.fulfillment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.history.common.HistoryCommand;
import dev.history.common.HistoryEvent;
import dev.history.common.Json;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker's child events go through the history event rules the gateway applies: a request whose child
 * events they would refuse is refused at {@code POST /fulfillment} with the gateway's 400 and writes nothing,
 * the child events' source is the configured registered code, and a source outside {@code HISTORY_SOURCES}
 * stops start-up.
 */
class ChildEventRulesTest {
    static Sink sink;
    static TestSystem system;
    static String catalog;

    @BeforeAll
    static void start() {
        sink = new Sink("127.0.0.1");
        catalog = """
                [{"name": "Replace card", "url": "%s", "active": true}]
                """.formatted(sink.url("/replace"));
        // A registry without "agent": the child events use the configured source instead.
        system = new TestSystem(catalog, Map.of("HISTORY_SOURCES", "ivr=voice,desk=voice", "FULFILLMENT_CHILD_SOURCE", "Desk"))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        system.close();
        sink.close();
    }

    @Test
    void aUsernameTheGatewayWouldRefuseIsRefusedWithItsAnswerAndNothingIsWritten() throws Exception {
        TopicTail requests = system.tail(system.config.topics().requests());
        String tooLong = "u".repeat(257);
        HttpResponse<String> json = system.postInvalid("/fulfillment", "application/json",
                Json.writeString(Map.of("task", "Replace card", "username", tooLong, "eventParent", "e1")));
        HttpResponse<String> form = system.postInvalid("/fulfillment", "application/x-www-form-urlencoded",
                "task=replace-card&username=%20" + tooLong + "%20");
        // A longer one than the former 1024-character field limit gets the same rule, not that limit.
        HttpResponse<String> huge = system.postInvalid("/fulfillment", "application/json",
                Json.writeString(Map.of("task", "Replace card", "username", "u".repeat(2000))));
        for (HttpResponse<String> r : List.of(json, form, huge)) {
            assertThat(r.statusCode()).isEqualTo(400);
            // Byte for byte what POST /history answers for the same username (EventErrorsTest in ingest-gateway).
            assertThat(r.body()).isEqualTo("{\"error\":\"username is longer than 256 characters\",\"details\":{\"field\":\"username\"}}");
        }
        HttpResponse<String> parent = system.postInvalid("/fulfillment", "application/json",
                Json.writeString(Map.of("task", "Replace card", "username", "ann", "eventParent", "p".repeat(129))));
        assertThat(parent.statusCode()).isEqualTo(400);
        assertThat(parent.body())
                .isEqualTo("{\"error\":\"eventParent is longer than 128 characters\",\"details\":{\"field\":\"eventParent\"}}");

        // A valid request after them: the acceptor writes in order, so once its child event is visible,
        // anything the refused ones had written would be too.
        String fence = system.request("Replace card", "fence", "");
        Await.until(Duration.ofSeconds(20), () -> system.history("fence"), h -> !h.isEmpty(), "the fence's child event");
        try (requests) {
            List<FulfillmentRequest> written = Await.until(Duration.ofSeconds(20),
                    () -> requests.records().stream().map(r -> Json.read(r.value(), FulfillmentRequest.class)).toList(),
                    w -> w.stream().anyMatch(r -> r.id().equals(fence)), "the fence's request");
            assertThat(written).extracting(FulfillmentRequest::username).doesNotContain(tooLong, "ann");
        }
        assertThat(system.history(tooLong)).isEmpty();
        assertThat(system.history("ann")).isEmpty();
    }

    @Test
    void childEventsCarryTheConfiguredSourceAndPassTheRules() {
        String id = system.request("Replace card", " lena ", "parent-7");
        system.awaitState(id, "succeeded", Duration.ofSeconds(20));
        List<HistoryCommand> children = Await.until(Duration.ofSeconds(20), () -> system.history("lena"),
                h -> h.size() >= 2, "child events");
        assertThat(children).extracting(c -> c.event().note()).containsExactly("Replace card requested", "Replace card succeeded");
        for (HistoryCommand child : children) {
            HistoryEvent e = child.event();
            assertThat(child.username()).isEqualTo("lena");
            assertThat(e.source()).isEqualTo("desk");
            assertThat(e.channel()).isEqualTo("digital");
            assertThat(e.parent()).isEqualTo("parent-7");
            assertThat(e.level()).isEqualTo(2);
            assertThat(e.timestamp()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        }
    }

    @Test
    void aChildSourceOutsideTheRegistryStopsStartUpWithAClearMessage() throws Exception {
        String expected = "FULFILLMENT_CHILD_SOURCE 'agent' is not a registered source code; HISTORY_SOURCES registers:"
                + " ivr, sms. Add it to HISTORY_SOURCES or set FULFILLMENT_CHILD_SOURCE to one of these";
        // The default child source, agent, dropped from the registry.
        assertThatThrownBy(() -> new TestSystem(catalog, Map.of("HISTORY_SOURCES", "ivr=voice,sms")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(expected);
        assertThatThrownBy(() -> new TestSystem(catalog, Map.of("FULFILLMENT_CHILD_SOURCE", "fax")))
                .hasMessageStartingWith("FULFILLMENT_CHILD_SOURCE 'fax' is not a registered source code; HISTORY_SOURCES registers:"
                        + " agent, bot, cobrowse, df, email, facebook, ivr, sms, video, web, webchat, whatsapp.");

        // The worker as operators start it (bin/pipeline worker): it exits, says why, and never serves.
        Map<String, String> env = new HashMap<>(new TestSystem(catalog, Map.of()).vars());
        env.put("HISTORY_SOURCES", "ivr=voice,sms");
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        env.put("HTTP_PORT", Integer.toString(port));
        Path log = Files.createDirectories(Path.of("target", "worker-logs")).resolve("child-source-refused.log");
        ProcessBuilder b = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), WorkerMain.class.getName())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        b.environment().putAll(env);
        Process process = b.start();
        try {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("worker exits").isTrue();
            assertThat(process.exitValue()).isNotZero();
            assertThat(Files.readString(log)).contains(expected);
            assertThatThrownBy(() -> HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/live")).build(),
                    HttpResponse.BodyHandlers.discarding())).isInstanceOf(ConnectException.class);
        } finally {
            process.destroyForcibly();
        }
    }
}
