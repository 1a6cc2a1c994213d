package dev.history.gateway;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.history.common.Env;
import dev.history.common.http.HttpApp;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The ingest routes over real HTTP with hostile bodies (JSON, form, wrong or missing types, odd
 * Idempotency-Keys): never a 5xx, never a hang (5 s timeout), and nothing handed to Kafka for a
 * refused request. The producer is Kafka's MockProducer: this exercises parsing, not Kafka.
 */
class IngestFuzzTest {
    private static final MockProducer<String, byte[]> PRODUCER =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private static final String BASE;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private static final String[] TYPES = {"application/json", "application/x-www-form-urlencoded", "",
        "text/plain", "application/json; charset=utf-16", "multipart/form-data; boundary=x", "application/cloudevents+json"};
    private static final String[][] ROUTES = {{"POST", "/history"}, {"POST", "/history/batch"}, {"DELETE", "/history"}};

    static {
        GatewayConfig config = GatewayConfig.from(Env.of(Map.of("MAX_EVENT_BYTES", "4096", "BATCH_MAX_ITEMS", "20")));
        Javalin app = HttpApp.create(config.http(), new GatewayRoutes(config, new HistoryWriter(PRODUCER, "fuzz-history"))).start(0);
        BASE = "http://localhost:" + app.port();
        try {
            // Warm up (class loading, instrumentation) so the per-request timeout measures hangs, not start-up.
            CLIENT.send(HttpRequest.newBuilder(URI.create(BASE + "/health/live")).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "15s")
    void hostileBodies(FuzzedDataProvider data) throws Exception {
        // Loopback only: the harness (or the verifier fetching the test JWKS) talks to this test's own server.
        try (var allowed = BugDetectors.allowNetworkConnections((host, port) -> host.equals("localhost") || host.startsWith("127."))) {
            String type = data.pickValue(TYPES);
            String[] route = data.pickValue(ROUTES);
            String key = data.consumeBoolean() ? data.consumeAsciiString(300).replaceAll("[\\r\\n\\x00-\\x1f\\x7f]", "") : null;
            byte[] body = data.consumeRemainingAsBytes();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(BASE + route[1])).timeout(Duration.ofSeconds(5))
                    .method(route[0], HttpRequest.BodyPublishers.ofByteArray(body));
            if (!type.isEmpty()) request.header("Content-Type", type);
            if (key != null && !key.isBlank()) request.header("Idempotency-Key", key);
            int before = PRODUCER.history().size();
            HttpRequest built = request.build();
            HttpResponse<String> response = CLIENT.send(built, HttpResponse.BodyHandlers.ofString());
            // Hostile on purpose: the request is not checked, the answer must be one the OpenAPI document describes.
            dev.history.common.openapi.OpenApiContract.get().answerChecked(built, response, response.body());
            if (response.statusCode() >= 500) throw new AssertionError(response.statusCode() + " for " + route[1] + ": " + response.body());
            if (response.statusCode() >= 400 && PRODUCER.history().size() != before) {
                throw new AssertionError("a refused request wrote to Kafka: " + response.statusCode() + " " + response.body());
            }
            if (!response.body().startsWith("{") && !response.body().startsWith("[")) throw new AssertionError("not JSON: " + response.body());
            if (PRODUCER.history().size() > 10_000) PRODUCER.clear();
        }
    }
}
