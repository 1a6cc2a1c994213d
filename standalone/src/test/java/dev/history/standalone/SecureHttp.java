package dev.history.standalone;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A client for the security tests: any method, optional JSON body, headers as name/value pairs. Every
 * exchange is checked against the OpenAPI document (401/403/429 included); {@link #answerOnly()} for
 * requests that are invalid on purpose.
 */
final class SecureHttp {
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final boolean answerOnly;

    SecureHttp(int port) {
        this("http://localhost:" + port, false);
    }

    private SecureHttp(String base, boolean answerOnly) {
        this.base = base;
        this.answerOnly = answerOnly;
    }

    /** The same client for requests that are invalid on purpose: only the answer is checked against the document. */
    SecureHttp answerOnly() {
        return new SecureHttp(base, true);
    }

    HttpResponse<String> send(String method, String path, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        java.util.Map<String, java.util.List<String>> sent = new java.util.LinkedHashMap<>();
        if (json != null) {
            b.header("Content-Type", "application/json");
            sent.put("Content-Type", java.util.List.of("application/json"));
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
            sent.computeIfAbsent(headers[i], k -> new java.util.ArrayList<>()).add(headers[i + 1]);
        }
        try {
            // A stream (Server-Sent Events) never ends: its answer is the status and headers, with no body.
            HttpResponse<java.io.InputStream> answer = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            String body;
            try (java.io.InputStream in = answer.body()) {
                boolean stream = answer.headers().firstValue("Content-Type").filter(t -> t.startsWith("text/event-stream")).isPresent();
                body = stream ? "" : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
            var exchange = dev.history.common.openapi.OpenApiContract.Exchange.of(method, URI.create(base + path), sent, json, answer, body);
            if (answerOnly) dev.history.common.openapi.OpenApiContract.get().checkAnswer(exchange);
            else dev.history.common.openapi.OpenApiContract.get().check(exchange);
            return new StringAnswer(answer, body);
        } catch (IOException e) {
            throw new AssertionError("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The answer with its body read as text. */
    private record StringAnswer(HttpResponse<java.io.InputStream> raw, String body) implements HttpResponse<String> {
        @Override public int statusCode() { return raw.statusCode(); }
        @Override public HttpRequest request() { return raw.request(); }
        @Override public java.util.Optional<HttpResponse<String>> previousResponse() { return java.util.Optional.empty(); }
        @Override public java.net.http.HttpHeaders headers() { return raw.headers(); }
        @Override public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return raw.sslSession(); }
        @Override public URI uri() { return raw.uri(); }
        @Override public HttpClient.Version version() { return raw.version(); }
    }
}
