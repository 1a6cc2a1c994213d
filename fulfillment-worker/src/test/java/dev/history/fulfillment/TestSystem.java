package dev.history.fulfillment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Env;
import dev.history.common.HistoryCommand;
import dev.history.common.Json;
import dev.history.common.http.HttpApp;
import dev.history.common.http.HttpSettings;
import dev.history.common.http.Readiness;
import dev.history.kafka.EmbeddedKafka;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.UUID;

/**
 * The module as users meet it: the service on the shared embedded broker with topics unique to one test
 * class, and its routes on a real port.
 */
final class TestSystem implements AutoCloseable {
    final String bootstrap = EmbeddedKafka.sharedBootstrapServers();
    final Env env;
    final FulfillmentConfig config;
    private final HttpClient http = HttpClient.newHttpClient();
    FulfillmentService service;
    Javalin app;
    private TopicTail history;
    private TopicTail deadLetters;

    private TestSystem(Env env) {
        this.env = env;
        this.config = FulfillmentConfig.from(env);
    }

    /** A fresh instance on the same topics, group and catalog (a restarted worker). */
    TestSystem restarted() {
        return new TestSystem(env);
    }

    TestSystem(String catalogJson, Map<String, String> overrides) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Path catalog;
        try {
            catalog = Files.createTempFile("tasks", ".json");
            Files.writeString(catalog, catalogJson);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> vars = new HashMap<>();
        vars.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        vars.put("TOPIC_PARTITIONS", "3");
        vars.put("TOPIC_HISTORY_EVENTS", "history-events-" + suffix);
        vars.put("TOPIC_CUSTOMER_PROFILES", "customer-profiles-" + suffix);
        vars.put("TOPIC_FULFILLMENT_REQUESTS", "fulfillment-requests-" + suffix);
        vars.put("TOPIC_FULFILLMENT_RETRIES", "fulfillment-retries-" + suffix);
        vars.put("TOPIC_FULFILLMENT_DEAD_LETTERS", "fulfillment-dead-letters-" + suffix);
        vars.put("TOPIC_FULFILLMENT_STATUS", "fulfillment-status-" + suffix);
        vars.put("FULFILLMENT_GROUP_ID", "fulfillment-" + suffix);
        vars.put("FULFILLMENT_TASKS_FILE", catalog.toString());
        vars.put("FULFILLMENT_RETRY_SCHEDULE", "20ms,40ms,80ms");
        vars.put("FULFILLMENT_RETRY_JITTER", "0");
        vars.put("FULFILLMENT_MAX_ATTEMPTS", "4");
        vars.put("FULFILLMENT_COMMIT_INTERVAL_MS", "100");
        vars.put("WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32");
        vars.put("KAFKA_COMPRESSION", "lz4");
        try {
            vars.put("FULFILLMENT_STATE_DIR", Files.createTempDirectory("fulfillment-state").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        vars.putAll(overrides);
        env = Env.of(vars);
        config = FulfillmentConfig.from(env);
    }

    /** The environment as a map, e.g. for a worker in a child JVM. */
    Map<String, String> vars() {
        return env.all();
    }

    /** Reads {@code topic} of this system (read_committed) from the beginning, for assertions. */
    TopicTail tail(String topic) {
        return new TopicTail(bootstrap, topic);
    }

    TestSystem start() {
        service = new FulfillmentService(config);
        service.start();
        app = HttpApp.create(HttpSettings.from(env).withPort(0), new FulfillmentRoutes(service),
                Readiness.route(Map.of("fulfillment", service::isReady)));
        app.start(0);
        Await.until(Duration.ofSeconds(60), this::ready, r -> r, "readiness");
        if (history == null) {
            history = new TopicTail(bootstrap, config.kafka().topics().historyEvents());
            deadLetters = new TopicTail(bootstrap, config.topics().deadLetters());
        }
        return this;
    }

    boolean ready() {
        return get("/health/ready").statusCode() == 200;
    }

    /** Stops as kill -9 would: no commit, no flush, no graceful hand-over. */
    void crash() {
        app.stop();
        service.abort();
    }

    HttpResponse<String> post(String path, String contentType, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return send(b.build(), body);
    }

    /** {@link #post} for a request that is invalid on purpose: only the answer is checked against the OpenAPI document. */
    HttpResponse<String> postInvalid(String path, String contentType, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return dev.history.common.openapi.OpenApiContract.get().answerChecked(request, response, response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).GET().build(), null);
    }

    /** POST /fulfillment with a JSON body; returns the id after asserting 202. */
    String request(String task, String username, String eventParent) {
        HttpResponse<String> r = post("/fulfillment", "application/json", Json.writeString(Map.of(
                "task", task, "username", username, "msisdn", "15551234567",
                "preferredChannel", "sms", "eventParent", eventParent)));
        if (r.statusCode() != 202) throw new AssertionError("expected 202, got " + r.statusCode() + " " + r.body());
        return json(r.body()).get("id").asText();
    }

    JsonNode status(String id) {
        HttpResponse<String> r = get("/fulfillment/" + id);
        return r.statusCode() == 200 ? json(r.body()) : null;
    }

    JsonNode awaitState(String id, String state, Duration timeout) {
        return Await.until(timeout, () -> status(id), s -> s != null && state.equals(s.get("state").asText()),
                "request " + id + " to be " + state);
    }

    /** The history commands this module wrote for {@code username}, in topic order. */
    List<HistoryCommand> history(String username) {
        return history.records().stream().filter(r -> username.equals(r.key()))
                .map(r -> Json.read(r.value(), HistoryCommand.class)).toList();
    }

    List<String> notes(String username) {
        return history(username).stream().map(c -> c.event().note()).toList();
    }

    List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> deadLetters(String id) {
        return deadLetters.records().stream().filter(r -> id.equals(r.key())).toList();
    }

    static JsonNode json(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends and checks the exchange against the OpenAPI document (request and answer). */
    private HttpResponse<String> send(HttpRequest request, String body) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return dev.history.common.openapi.OpenApiContract.get().checked(request, body, response, response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws Exception {
        if (app != null) app.stop();
        if (service != null) service.close();
        if (history != null) history.close();
        if (deadLetters != null) deadLetters.close();
    }
}
