package dev.history.common.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The contract check itself: what it accepts and, above all, that it catches each kind of drift. */
class OpenApiContractTest {
    private static final OpenApiContract CONTRACT = OpenApiContract.get();
    private static final String EVENT = """
            {"id":"e1","timestamp":"2026-01-02T03:04:05.678Z","parent":"","level":1,"channel":"voice",
             "source":"ivr","note":"n","link":""}""";
    private static final String TOKEN = "history-events:3:1041";

    private static OpenApiContract.Exchange exchange(String method, String pathAndQuery, String contentType, String body,
                                                     int status, String answer, String... answerHeaders) {
        Map<String, List<String>> sent = new LinkedHashMap<>();
        if (contentType != null) sent.put("Content-Type", List.of(contentType));
        Map<String, List<String>> got = new LinkedHashMap<>();
        got.put("Content-Type", List.of("application/json"));
        for (int i = 0; i + 1 < answerHeaders.length; i += 2) got.put(answerHeaders[i], List.of(answerHeaders[i + 1]));
        return new OpenApiContract.Exchange(method, URI.create("http://localhost" + pathAndQuery), sent, body, status,
                HttpHeaders.of(got, (a, b) -> true), answer);
    }

    private static List<String> problems(OpenApiContract.Exchange x) {
        return CONTRACT.validate(x, true);
    }

    @Test
    void conformingExchangesPass() {
        assertThat(problems(exchange("GET", "/history?username=u&limit=10", null, null, 200, "[" + EVENT + "]"))).isEmpty();
        assertThat(problems(exchange("POST", "/history", "application/x-www-form-urlencoded",
                "username=u&source=ivr&level=2&parent=p1", 200, "{\"id\":\"x\"}", "Consistency-Token", TOKEN))).isEmpty();
        assertThat(problems(exchange("GET", "/fulfillment/abc", null, null, 404,
                "{\"error\":\"no fulfillment request abc\",\"details\":{\"id\":\"abc\"}}"))).isEmpty();
        assertThat(problems(exchange("POST", "/history/batch", "application/json", "[{\"username\":\"u\",\"source\":\"ivr\"}]",
                200, "[{\"id\":\"a\"},{\"error\":\"e\",\"details\":{\"field\":\"source\"},\"status\":400}]"))).isEmpty();
    }

    @Test
    void answerDriftIsCaught() {
        String noLink = EVENT.replace(",\"link\":\"\"", "");
        assertThat(problems(exchange("GET", "/history?username=u", null, null, 200, "[" + noLink + "]")))
                .anyMatch(p -> p.contains("answer body") && p.contains("link"));
        assertThat(problems(exchange("GET", "/history?username=u", null, null, 200, "[" + EVENT.replace("05.678Z", "05") + "]")))
                .as("timestamps are date-times").anyMatch(p -> p.contains("timestamp"));
        assertThat(problems(exchange("GET", "/history?username=u", null, null, 418, "{}")))
                .anyMatch(p -> p.contains("status 418 is not documented"));
        assertThat(problems(exchange("GET", "/history?username=u", null, null, 503, "{\"error\":\"e\",\"details\":{}}")))
                .anyMatch(p -> p.contains("required header Retry-After missing"));
        assertThat(problems(exchange("POST", "/history", "application/json", "{\"username\":\"u\",\"source\":\"ivr\"}",
                200, "{\"id\":\"x\"}"))).anyMatch(p -> p.contains("required header Consistency-Token missing"));
        assertThat(problems(exchange("GET", "/history?username=u", null, null, 400, "{\"message\":\"bad\"}")))
                .anyMatch(p -> p.contains("error"));
    }

    @Test
    void requestDriftIsCaughtUnlessTheRequestIsInvalidOnPurpose() {
        OpenApiContract.Exchange noUser = exchange("GET", "/history", null, null, 400,
                "{\"error\":\"username is required\",\"details\":{\"field\":\"username\"}}");
        assertThat(problems(noUser)).anyMatch(p -> p.contains("required query parameter 'username' missing"));
        assertThat(CONTRACT.validate(noUser, false)).isEmpty();
        assertThat(problems(exchange("GET", "/history?username=u&page=2", null, null, 200, "[]")))
                .anyMatch(p -> p.contains("'page' is not documented"));
        assertThat(problems(exchange("GET", "/history?username=u&limit=lots", null, null, 200, "[]")))
                .anyMatch(p -> p.contains("'limit'"));
        assertThat(problems(exchange("POST", "/history", "text/plain", "x", 200, "{\"id\":\"x\"}", "Consistency-Token", TOKEN)))
                .anyMatch(p -> p.contains("content type text/plain is not documented"));
        assertThat(problems(exchange("POST", "/history", "application/json", "{\"source\":\"ivr\"}", 200, "{\"id\":\"x\"}",
                "Consistency-Token", TOKEN))).anyMatch(p -> p.contains("request body") && p.contains("username"));
        assertThat(problems(exchange("GET", "/nowhere", null, null, 404, "{\"error\":\"not found\",\"details\":{}}")))
                .anyMatch(p -> p.contains("not documented"));
        assertThat(problems(exchange("PATCH", "/history", null, null, 405, "{}")))
                .anyMatch(p -> p.contains("PATCH /history is not documented"));
        assertThatThrownBy(() -> CONTRACT.check(noUser)).isInstanceOf(AssertionError.class).hasMessageContaining("GET /history");
    }

    @Test
    void pathTemplatesPreferExactPaths() {
        assertThat(CONTRACT.template("/fulfillment/tasks")).hasValue("/fulfillment/tasks");
        assertThat(CONTRACT.template("/fulfillment/r-1")).hasValue("/fulfillment/{id}");
        assertThat(CONTRACT.operations()).contains("GET /history", "POST /auth/stream-ticket");
    }
}
