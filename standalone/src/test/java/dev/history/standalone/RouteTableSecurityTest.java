package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.http.HttpApp;
import dev.history.common.http.auth.RouteRule;
import dev.history.common.http.auth.RouteScopes;
import dev.history.common.http.auth.Scope;
import dev.history.standalone.security.Keys;
import dev.history.standalone.security.TestIdp;
import io.javalin.router.Endpoint;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hardening, generated from the route table the standalone app really registered (every service's
 * routes): each route without a credential, with the wrong scope, with every kind of bad JWT and with
 * a revoked key is refused; with the right API key or JWT it is served. A route added without a
 * declared scope fails here (and refuses to start with authentication on).
 */
class RouteTableSecurityTest {
    private static final String USER = "route-user";
    private static TestIdp idp;
    private static Keys keys;
    private static Standalone system;
    private static SecureHttp http;
    private static List<Endpoint> routes;

    @BeforeAll
    static void start() {
        idp = new TestIdp();
        keys = new Keys();
        keys.add("revoked", "admin", null);
        keys.write();
        Map<String, String> env = TestSystems.withFulfillment(TestSystems.env("routesec"), "routesec",
                "[{\"name\":\"Replace card\",\"url\":\"http://127.0.0.1:9/ok\",\"active\":true}]");
        env.putAll(idp.env());
        env.put("API_KEYS_FILE", keys.file.toString());
        env.put("TOPIC_AUDIT", "routesec-audit");
        // Many bad credentials come from this one address on purpose; the failed-auth limit has its own test.
        env.put("RATE_LIMIT_FAILED_AUTH", "0");
        system = TestSystems.start(env);
        http = new SecureHttp(system.port());
        routes = HttpApp.routes(system.app());
        assertThat(http.send("GET", "/history?username=x", null, "X-API-Key", keys.named("revoked")).statusCode()).isEqualTo(200);
        keys.revoke("revoked");
        TestSystems.await("revocation seen", java.time.Duration.ofSeconds(10), () ->
                http.send("GET", "/history?username=x", null, "X-API-Key", keys.named("revoked")).statusCode() == 401);
    }

    @AfterAll
    static void stop() {
        if (system != null) system.close();
        idp.close();
    }

    @Test
    void everyRegisteredRouteHasADeclaredScope() {
        assertThat(routes).extracting(e -> e.method.name() + " " + e.path)
                .contains("POST /history", "GET /history", "DELETE /history", "POST /history/batch", "GET /getuserdata",
                        "POST /userdata", "PUT /userdata", "DELETE /userdata", "GET /fulfillment/tasks", "POST /fulfillment",
                        "GET /fulfillment/{id}", "GET /metrics", "GET /health/live", "GET /health/ready", "GET /openapi.json",
                        "POST /auth/stream-ticket", "POST /events", "POST /adapters/webex-cc",
                        "DELETE /customers/{username}", "GET /customers/erasures/{id}");
        assertThat(RouteScopes.undeclared(routes)).as("routes without a declared scope").isEmpty();
    }

    @Test
    void protectedRoutesRefuseMissingWrongAndBadCredentialsAndServeTheRightOnes() {
        List<String> checked = new ArrayList<>();
        for (Endpoint route : routes) {
            RouteRule rule = RouteScopes.rule(route).orElseThrow();
            String name = route.method.name() + " " + route.path;
            if (rule.signed()) {
                // Authenticated by the caller's signature, verified by the route: no signature is a 401, and an
                // API key or token (even an admin's) is no substitute for it.
                assertThat(call(route).statusCode()).as(name + " unsigned").isEqualTo(401);
                assertThat(call(route, "X-API-Key", keys.forScope(Scope.ADMIN)).statusCode()).as(name + " unsigned, admin key").isEqualTo(401);
                assertThat(call(route, "Authorization", "Bearer " + idp.sign(TestIdp.claims("jwt-user", "openid admin").build()))
                        .statusCode()).as(name + " unsigned, admin JWT").isEqualTo(401);
                checked.add(name);
                continue;
            }
            if (rule.isOpen()) {
                assertThat(call(route).statusCode()).as(name + " is open").isNotIn(401, 403);
                continue;
            }
            HttpResponse<String> none = call(route);
            assertThat(none.statusCode()).as(name + " without credential").isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).as(name).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            assertThat(none.body()).as(name).contains("\"error\"", "\"details\"");

            Scope wrong = rule.scope() == Scope.OPS ? Scope.HISTORY_READ : Scope.OPS;
            assertThat(call(route, "X-API-Key", keys.forScope(wrong)).statusCode()).as(name + " with " + wrong).isEqualTo(403);
            assertThat(call(route, "Authorization", "Bearer " + idp.sign(TestIdp.claims("jwt-user", wrong.id()).build()))
                    .statusCode()).as(name + " with a JWT for " + wrong).isEqualTo(403);
            idp.badTokens(rule.scope().id()).forEach((what, token) ->
                    assertThat(call(route, "Authorization", "Bearer " + token).statusCode()).as(name + " with JWT " + what).isEqualTo(401));
            assertThat(call(route, "X-API-Key", keys.named("revoked")).statusCode()).as(name + " with a revoked key").isEqualTo(401);
            assertThat(call(route, "Authorization", "Bearer hp_live_not-a-key").statusCode()).as(name + " with garbage").isEqualTo(401);
            assertThat(call(route, "Authorization", "Basic dXNlcjpwYXNz").statusCode()).as(name + " with Basic").isEqualTo(401);

            assertThat(call(route, "Authorization", "Bearer " + keys.forScope(rule.scope())).statusCode())
                    .as(name + " with an API key for " + rule.scope()).isNotIn(401, 403).isLessThan(500);
            assertThat(call(route, "X-API-Key", keys.forScope(Scope.ADMIN)).statusCode()).as(name + " as admin").isNotIn(401, 403).isLessThan(500);
            assertThat(call(route, "Authorization", "Bearer " + idp.sign(TestIdp.claims("jwt-user", "openid " + rule.scope().id()).build()))
                    .statusCode()).as(name + " with a JWT for " + rule.scope()).isNotIn(401, 403).isLessThan(500);
            String ecToken = TestIdp.sign(idp.ec, TestIdp.claims("jwt-user", "x").claim("scope", null)
                    .claim("scp", List.of(rule.scope().id())).build());
            assertThat(call(route, "Authorization", "Bearer " + ecToken).statusCode()).as(name + " with an ES256 JWT, array claim")
                    .isIn(403); // scope claim is "scope" here: an array under another claim grants nothing
            checked.add(name);
        }
        assertThat(checked).contains("GET /history", "POST /history", "GET /metrics", "POST /fulfillment", "POST /events",
                "POST /adapters/webex-cc");
    }

    @Test
    void aTokenSignedByARotatedInKeyIsAcceptedAfterTheJwksRefresh() {
        var next = TestIdp.newRsaKey("rsa-2");
        String token = TestIdp.sign(next, TestIdp.claims("rotated", "history:read").build());
        assertThat(http.send("GET", "/history?username=x", null, "Authorization", "Bearer " + token).statusCode()).isEqualTo(401);
        idp.publish(next);
        TestSystems.await("the new key accepted", java.time.Duration.ofSeconds(10), () ->
                http.send("GET", "/history?username=x", null, "Authorization", "Bearer " + token).statusCode() == 200);
        String array = TestIdp.sign(idp.ec, TestIdp.claims("ec-user", null).claim("scope", List.of("history:read")).build());
        assertThat(http.send("GET", "/history?username=x", null, "Authorization", "Bearer " + array).statusCode()).isEqualTo(200);
    }

    private static HttpResponse<String> call(Endpoint route, String... headers) {
        String path = route.path.replace("{id}", "some-id").replace("{username}", USER);
        String method = route.method.name();
        String body = switch (method + " " + route.path) {
            case "POST /history" -> "{\"username\":\"" + USER + "\",\"source\":\"ivr\",\"note\":\"n\"}";
            case "POST /history/batch" -> "[{\"username\":\"" + USER + "\",\"source\":\"ivr\"}]";
            case "POST /userdata", "PUT /userdata" -> "{\"username\":\"" + USER + "\",\"ani\":\"+1 555 0100\"}";
            case "POST /fulfillment" -> "{\"task\":\"Replace card\",\"username\":\"" + USER + "\"}";
            case "DELETE /customers/{username}" -> null; // the customer is in the path
            default -> method.equals("GET") ? null : "{\"username\":\"" + USER + "\"}";
        };
        if (method.equals("GET") && path.equals("/getuserdata")) path += "?ani=15550100";
        else if (method.equals("GET") && (path.equals("/history") || path.equals("/history/stream"))) path += "?username=" + USER;
        // A signed route's request lacks its signature on purpose: only the answer is checked against the document.
        boolean signed = RouteScopes.rule(route).map(RouteRule::signed).orElse(false);
        return (signed ? http.answerOnly() : http).send(method, path, body, headers);
    }
}
