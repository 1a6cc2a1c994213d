package dev.history.common.http.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Json;
import io.javalin.Javalin;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stream tickets: issued to a history reader for one customer, accepted only on stream routes, for that customer, briefly. */
class StreamTicketTest {
    private Javalin app;

    @AfterEach
    void stop() {
        if (app != null) app.stop();
    }

    @Test
    void aTicketOpensOnlyThatCustomersStreamAndNothingElse() throws Exception {
        String reader = ApiKeyFormat.generate();
        String writer = ApiKeyFormat.generate();
        app = TestApps.start(Map.of("API_KEYS_FILE", TestApps.keysFile(
                TestApps.entry("desk", reader, "\"history:read\"", null),
                TestApps.entry("flow", writer, "\"history:write\"", null)).toString()), 0);
        String base = "http://localhost:" + app.port();
        assertThat(Http.send("POST", base + "/auth/stream-ticket", "{\"username\":\"alice\"}", "Content-Type", "application/json",
                "X-API-Key", writer).statusCode()).isEqualTo(403);
        assertThat(Http.send("POST", base + "/auth/stream-ticket", "{\"username\":\"alice\"}").statusCode()).isEqualTo(401);

        var issued = Http.send("POST", base + "/auth/stream-ticket", "{\"username\":\"alice\"}", "Content-Type", "application/json",
                "Authorization", "Bearer " + reader);
        assertThat(issued.statusCode()).isEqualTo(200);
        assertThat(issued.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode body = Json.MAPPER.readTree(issued.body());
        String ticket = URLEncoder.encode(body.get("ticket").asText(), StandardCharsets.UTF_8);
        assertThat(Instant.parse(body.get("expiresAt").asText())).isBetween(Instant.now(), Instant.now().plusSeconds(61));

        var stream = Http.send("GET", base + "/history/stream?username=alice&ticket=" + ticket, null);
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body()).contains("desk alice");
        assertThat(Http.send("GET", base + "/history/stream?username=bob&ticket=" + ticket, null).statusCode()).isEqualTo(401);
        // Not a bearer credential, and not accepted as a query parameter on other routes.
        assertThat(Http.send("GET", base + "/history?username=alice&ticket=" + ticket, null).statusCode()).isEqualTo(401);
        assertThat(Http.send("GET", base + "/history?username=alice", null, "Authorization", "Bearer " + body.get("ticket").asText())
                .statusCode()).isEqualTo(401);
        assertThat(Http.send("POST", base + "/history?ticket=" + ticket, "{}", "Content-Type", "application/json").statusCode())
                .isEqualTo(401);
    }

    @Test
    void expiredForgedAndOtherInstancesTicketsAreRefused() throws Exception {
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofMinutes(5)), ZoneOffset.UTC);
        String secret = "0123456789abcdef0123456789abcdef";
        StreamTickets then = new StreamTickets(secret, Duration.ofSeconds(60), past);
        StreamTickets now = new StreamTickets(secret, Duration.ofSeconds(60), Clock.systemUTC());
        Principal desk = new Principal("desk", Principal.API_KEY, java.util.Set.of(Scope.HISTORY_READ), null, null);
        assertThatThrownBy(() -> now.verify(then.issue(desk, "alice").ticket(), "alice")).hasMessageContaining("expired");
        assertThat(now.verify(now.issue(desk, "alice").ticket(), "alice").ticketUsername()).isEqualTo("alice");
        StreamTickets otherKey = new StreamTickets(null, Duration.ofSeconds(60), Clock.systemUTC());
        assertThatThrownBy(() -> otherKey.verify(now.issue(desk, "alice").ticket(), "alice")).hasMessageContaining("signature");
        assertThatThrownBy(() -> now.verify("not.a.ticket", "alice")).isInstanceOf(AuthFailure.class);
    }
}
