package dev.history.common.http.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.history.common.Env;
import dev.history.common.http.HttpApp;
import dev.history.common.http.HttpSettings;
import dev.history.common.http.Responses;
import io.javalin.Javalin;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The gate on a small app with real routes from the table and API keys from a file. */
class GateTest {
    private Javalin app;

    @AfterEach
    void stop() {
        if (app != null) app.stop();
    }

    private static Path keysFile(String... entries) throws Exception {
        Path file = Files.createTempFile("keys", ".json");
        Files.writeString(file, "[" + String.join(",", entries) + "]");
        return file;
    }

    private static String entry(String name, String key, String scopes) {
        return "{\"name\":\"" + name + "\",\"hash\":\"" + ApiKeyFormat.hash(key) + "\",\"scopes\":[" + scopes + "]}";
    }

    private String start(Map<String, String> env) {
        AuthSettings settings = AuthSettings.from(Env.of(env));
        app = HttpApp.create(HttpSettings.from(Env.of(env)), Security.of(settings, null), config -> {
            config.routes.get("/history", ctx -> Responses.json(ctx, 200, java.util.List.of()));
            config.routes.post("/history", ctx -> Responses.json(ctx, 200, Map.of("id", "x", "body", ctx.body())));
        }).start(0);
        return "http://localhost:" + app.port();
    }

    @Test
    void missingInvalidWrongScopeAndRightKey() throws Exception {
        String reader = ApiKeyFormat.generate();
        String writer = ApiKeyFormat.generate();
        String base = start(Map.of("CORS_ORIGINS", "https://x.example", "API_KEYS_FILE", keysFile(
                entry("widget", reader, "\"history:read\""), entry("flow", writer, "\"history:write\"")).toString()));

        HttpResponse<String> none = Http.send("GET", base + "/history?username=a", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(none.body()).contains("\"error\"").contains("\"details\"");

        assertThat(Http.send("GET", base + "/history?username=a", null, "Authorization", "Bearer " + ApiKeyFormat.generate())
                .statusCode()).isEqualTo(401);
        HttpResponse<String> wrong = Http.send("GET", base + "/history?username=a", null, "X-API-Key", writer);
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(wrong.body()).contains("history:read");
        assertThat(Http.send("GET", base + "/history?username=a", null, "Authorization", "Bearer " + reader).statusCode())
                .isEqualTo(200);
        assertThat(Http.send("GET", base + "/history?username=a", null, "X-API-Key", reader).statusCode()).isEqualTo(200);
        assertThat(Http.send("GET", base + "/health/live", null).statusCode()).isEqualTo(200);
        assertThat(Http.send("GET", base + "/nope", null).statusCode()).isEqualTo(404);
        HttpResponse<String> preflight = Http.send("OPTIONS", base + "/history", null, "Origin", "https://x.example",
                "Access-Control-Request-Method", "POST");
        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://x.example");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse(""))
                .contains("Authorization", "X-API-Key", "Idempotency-Key", "Consistency-Token");
        assertThat(preflight.headers().firstValue("Access-Control-Max-Age")).hasValue("600");
        HttpResponse<String> stranger = Http.send("OPTIONS", base + "/history", null, "Origin", "https://evil.example",
                "Access-Control-Request-Method", "POST");
        assertThat(stranger.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void revokingAKeyIsRemovingItsEntry() throws Exception {
        String key = ApiKeyFormat.generate();
        String other = ApiKeyFormat.generate();
        Path file = keysFile(entry("a", key, "\"admin\""), entry("b", other, "\"history:read\""));
        String base = start(Map.of("API_KEYS_FILE", file.toString()));
        assertThat(Http.send("GET", base + "/history?username=a", null, "X-API-Key", key).statusCode()).isEqualTo(200);
        Files.writeString(file, "[" + entry("b", other, "\"history:read\"") + "]");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        Thread.sleep(1100);
        assertThat(Http.send("GET", base + "/history?username=a", null, "X-API-Key", key).statusCode()).isEqualTo(401);
        assertThat(Http.send("GET", base + "/history?username=a", null, "X-API-Key", other).statusCode()).isEqualTo(200);
    }

    @Test
    void anUndeclaredRouteStopsTheStartWithAuthenticationOn() throws Exception {
        Map<String, String> env = Map.of("API_KEYS_FILE", keysFile(entry("a", ApiKeyFormat.generate(), "\"admin\"")).toString());
        Javalin open = HttpApp.create(HttpSettings.from(Env.of(env)), Security.of(AuthSettings.from(Env.of(env)), null),
                config -> config.routes.get("/secret-new-route", ctx -> ctx.result("x")));
        assertThatThrownBy(() -> open.start(0)).hasStackTraceContaining("/secret-new-route");
        open.stop();
    }

    @Test
    void withoutCredentialsItListensOnLoopbackAndRefusesOtherAddresses() {
        assertThat(AuthSettings.from(Env.of(Map.of())).host()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> AuthSettings.from(Env.of(Map.of("HTTP_HOST", "0.0.0.0"))))
                .hasMessageContaining("refusing to listen on HTTP_HOST=0.0.0.0 without authentication")
                .hasMessageContaining("AUTH=none");
        assertThat(AuthSettings.from(Env.of(Map.of("HTTP_HOST", "0.0.0.0", "AUTH", "none"))).mode())
                .isEqualTo(AuthSettings.Mode.NONE);
        String base = start(Map.of());
        assertThat(app.jettyServer().server().getURI().getHost()).isIn("127.0.0.1", "localhost");
        assertThat(Http.send("GET", base + "/history?username=a", null).statusCode()).isEqualTo(200);
    }
}
