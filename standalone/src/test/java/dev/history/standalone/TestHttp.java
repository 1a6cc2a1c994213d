package dev.history.standalone;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Json;
import dev.history.common.openapi.OpenApiContract;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plain HTTP client for tests, talking to a real port. Every exchange is checked against the served OpenAPI
 * document ({@link OpenApiContract}): request and answer. A test that sends invalid input on purpose uses
 * {@link #answerOnly()}, which checks only that the answer is documented.
 */
public final class TestHttp {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final boolean answerOnly;

    public TestHttp(int port) {
        this("http://localhost:" + port, false);
    }

    private TestHttp(String base, boolean answerOnly) {
        this.base = base;
        this.answerOnly = answerOnly;
    }

    /** The same client for requests that are invalid on purpose: only the answer is checked against the document. */
    public TestHttp answerOnly() {
        return new TestHttp(base, true);
    }

    public record Response(int status, String body, HttpHeaders headers) {
        public JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /** The event ids of a {@code GET /history} answer, in order; empty when it was not a 200. */
        public List<String> eventIds() {
            List<String> ids = new ArrayList<>();
            if (status == 200) json().forEach(event -> ids.add(event.get("id").asText()));
            return ids;
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    public Response get(String path, String... headers) {
        return send("GET", path, null, null, headers);
    }

    public Response postJson(String path, String json, String... headers) {
        return send("POST", path, "application/json", json.getBytes(StandardCharsets.UTF_8), headers);
    }

    public Response postForm(String path, String form) {
        return send("POST", path, "application/x-www-form-urlencoded", form.getBytes(StandardCharsets.UTF_8));
    }

    public Response post(String path, String contentType, byte[] body, String... headers) {
        return send("POST", path, contentType, body, headers);
    }

    public Response deleteJson(String path, String json) {
        return send("DELETE", path, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    public Response method(String method, String path, String... headers) {
        return send(method, path, null, null, headers);
    }

    private Response send(String method, String path, String contentType, byte[] body, String... headers) {
        URI uri = URI.create(base + path);
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        Map<String, List<String>> sent = new LinkedHashMap<>();
        if (contentType != null) {
            builder.header("Content-Type", contentType);
            sent.put("Content-Type", List.of(contentType));
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
            sent.computeIfAbsent(headers[i], k -> new ArrayList<>()).add(headers[i + 1]);
        }
        try {
            HttpResponse<String> response = CLIENT.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            OpenApiContract.Exchange exchange = OpenApiContract.Exchange.of(method, uri, sent,
                    body == null ? null : new String(body, StandardCharsets.UTF_8), response, response.body());
            if (answerOnly) OpenApiContract.get().checkAnswer(exchange);
            else OpenApiContract.get().check(exchange);
            return new Response(response.statusCode(), response.body(), response.headers());
        } catch (IOException e) {
            throw new AssertionError("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
