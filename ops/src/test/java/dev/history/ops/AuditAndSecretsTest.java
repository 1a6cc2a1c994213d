package dev.history.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.history.common.Json;
import dev.history.common.http.auth.ApiKeyFormat;
import dev.history.standalone.Standalone;
import dev.history.standalone.TestSystems;
import dev.history.standalone.security.Keys;
import dev.history.standalone.security.TestIdp;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A full run with API keys, JWTs, an opaque token (introspection), a stream ticket and bad credentials:
 * every read and change of the customer is on the audit topic with who did it ({@code ops audit}), and no
 * secret appears in the logs, the audit records, the metrics or any answer's body.
 */
class AuditAndSecretsTest {
    private static final String CLIENT_SECRET = "introspection-client-secret-" + UUID.randomUUID();
    private static final String OPAQUE = "opaque-" + UUID.randomUUID() + "-" + UUID.randomUUID();
    private static final String TICKET_SECRET = "ticket-secret-" + UUID.randomUUID();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();
    private static final List<String> BODIES = new ArrayList<>();
    private static TestIdp idp;
    private static HttpServer introspection;
    private static Keys keys;
    private static Map<String, String> env;
    private static Standalone system;
    private static String base;

    @BeforeAll
    static void start() throws IOException {
        LOGS.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(LOGS);
        idp = new TestIdp();
        introspection = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String basic = "Basic " + Base64.getEncoder().encodeToString(("history-api:" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
        introspection.createContext("/introspect", exchange -> {
            String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            boolean authorised = basic.equals(exchange.getRequestHeaders().getFirst("Authorization"));
            boolean active = authorised && form.contains("token=" + URLEncoder.encode(OPAQUE, StandardCharsets.UTF_8));
            byte[] body = (active ? "{\"active\":true,\"sub\":\"opaque-user\",\"scope\":\"history:read\",\"exp\":"
                    + (System.currentTimeMillis() / 1000 + 300) + "}" : "{\"active\":false}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(authorised ? 200 : 401, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        introspection.start();
        keys = new Keys();
        keys.add("desk", "history:read", null);
        keys.add("flow", "history:write,directory:write", null);
        keys.add("gone", "admin", null);
        keys.write();
        env = TestSystems.env("auditsec");
        env.putAll(idp.env());
        env.put("API_KEYS_FILE", keys.file.toString());
        env.put("TOPIC_AUDIT", "auditsec-audit");
        env.put("AUTH_INTROSPECTION_URL", "http://127.0.0.1:" + introspection.getAddress().getPort() + "/introspect");
        env.put("AUTH_INTROSPECTION_CLIENT_ID", "history-api");
        env.put("AUTH_INTROSPECTION_CLIENT_SECRET", CLIENT_SECRET);
        env.put("AUTH_TICKET_SECRET", TICKET_SECRET);
        env.put("RATE_LIMIT_FAILED_AUTH", "0");
        system = TestSystems.start(env);
        base = "http://localhost:" + system.port();
    }

    @AfterAll
    static void stop() {
        if (system != null) system.close();
        idp.close();
        introspection.stop(0);
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
    }

    private static HttpResponse<String> send(String method, String path, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) b.header("Content-Type", "application/json");
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        try {
            HttpRequest request = b.build();
            HttpResponse<String> response = dev.history.common.openapi.OpenApiContract.get()
                    .checked(request, json, CLIENT.send(request, HttpResponse.BodyHandlers.ofString()), null);
            synchronized (BODIES) {
                BODIES.add(response.body());
                response.headers().map().forEach((name, values) -> {
                    if (!name.equalsIgnoreCase("content-type")) BODIES.add(name + ": " + values);
                });
            }
            return response;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyReadAndChangeIsAuditedAndNoSecretLeaks() throws Exception {
        String user = "audit-" + UUID.randomUUID();
        String desk = keys.named("desk");
        String flow = keys.named("flow");
        String jwt = idp.sign(TestIdp.claims("agent-42", "history:read").build());

        assertThat(send("POST", "/history", "{\"username\":\"" + user + "\",\"source\":\"ivr\"}", "X-API-Key", flow).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/history?username=" + user, null, "Authorization", "Bearer " + desk).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/history?username=" + user, null, "Authorization", "Bearer " + jwt).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/history?username=" + user, null, "Authorization", "Bearer " + OPAQUE).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/userdata", "{\"username\":\"" + user + "\",\"ani\":\"+44 20 7946 0777\"}", "X-API-Key", flow)
                .statusCode()).isEqualTo(200);
        TestSystems.await("lookup", Duration.ofSeconds(20), () ->
                send("GET", "/getuserdata?ani=442079460777", null, "X-API-Key", desk).statusCode() == 200);
        String ticket = Json.MAPPER.readTree(send("POST", "/auth/stream-ticket", "{\"username\":\"" + user + "\"}",
                "X-API-Key", desk).body()).get("ticket").asText();
        assertThat(send("DELETE", "/history", "{\"username\":\"" + user + "\"}", "X-API-Key", flow).statusCode()).isEqualTo(200);
        // Refused attempts: no credential, a bad key, a bad token, a revoked key, a ticket where none is accepted.
        String wrongKey = ApiKeyFormat.generate();
        assertThat(send("GET", "/history?username=" + user, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/history?username=" + user, null, "X-API-Key", wrongKey).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/history?username=" + user, null, "Authorization", "Bearer " + idp.badTokens("history:read")
                .get("wrongly signed")).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/history?username=" + user, null, "Authorization", "Bearer " + ticket).statusCode()).isEqualTo(401);
        String gone = keys.named("gone");
        keys.revoke("gone");
        TestSystems.await("revoked", Duration.ofSeconds(10), () ->
                send("GET", "/history?username=" + user, null, "X-API-Key", gone).statusCode() == 401);
        assertThat(send("GET", "/history?username=" + user, null, "X-API-Key", flow).statusCode()).isEqualTo(403);
        // Refused before its body is read: audited, but the body (and so the customer) is never parsed.
        assertThat(send("DELETE", "/userdata", "{\"username\":\"" + user + "\"}", "X-API-Key", desk).statusCode()).isEqualTo(403);
        String metrics = send("GET", "/metrics", null, "X-API-Key", keys.forScope(dev.history.common.http.auth.Scope.OPS)).body();

        // The audit trail of this customer, through the operator command.
        List<JsonNode> trail = new ArrayList<>();
        TestSystems.await("audit records", Duration.ofSeconds(30), () -> {
            trail.clear();
            Ops.run(env, "audit", "--username", user).lines().forEach(line -> trail.add(read(line)));
            return trail.stream().anyMatch(r -> r.get("status").asInt() == 403);
        });
        assertThat(trail).extracting(r -> r.get("who").asText() + " " + r.get("method").asText() + " " + r.get("route").asText()
                        + " " + r.get("status").asInt())
                .contains("desk GET /history 200", "agent-42 GET /history 200", "opaque-user GET /history 200",
                        "flow POST /userdata 200", "desk GET /getuserdata 200", "flow DELETE /history 200",
                        "unauthenticated GET /history 401", "flow GET /history 403")
                .noneMatch(s -> s.contains("POST /history ") || s.contains("DELETE /userdata"));
        assertThat(trail).allSatisfy(r -> {
            assertThat(r.get("username").asText()).isEqualTo(user);
            assertThat(r.get("time").asText()).isNotEmpty();
        });
        JsonNode lookup = trail.stream().filter(r -> r.get("route").asText().equals("/getuserdata")).findFirst().orElseThrow();
        assertThat(lookup.get("lookupKind").asText()).isEqualTo("ani");
        assertThat(lookup.get("action").asText()).isEqualTo("read");

        List<String> secrets = new ArrayList<>(List.of(desk, flow, gone, wrongKey, jwt, OPAQUE, CLIENT_SECRET, TICKET_SECRET, ticket));
        keys.all().forEach(secrets::add);
        // the crypto-shredding secrets (master key material and pepper) never show either
        secrets.add(TestSystems.MASTER_KEYS.substring(TestSystems.MASTER_KEYS.indexOf(':') + 1));
        secrets.add(TestSystems.PEPPER);
        String logs = String.join("\n", LOGS.list.stream().map(e -> e.getFormattedMessage()
                + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy()))).toList());
        String audit = trail.toString();
        String answers;
        synchronized (BODIES) {
            answers = String.join("\n", BODIES).replace(ticket, "<the ticket, its own answer>");
        }
        assertThat(logs).contains("authentication failed"); // the logs were captured
        for (String secret : secrets) {
            assertThat(logs).as("logs").doesNotContain(secret);
            assertThat(audit).as("audit").doesNotContain(secret);
            assertThat(metrics).as("metrics").doesNotContain(secret);
            assertThat(answers).as("answers").doesNotContain(secret);
        }
    }

    private static JsonNode read(String line) {
        try {
            return Json.MAPPER.readTree(line);
        } catch (IOException e) {
            throw new AssertionError(line, e);
        }
    }
}
