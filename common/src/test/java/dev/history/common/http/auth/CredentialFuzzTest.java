package dev.history.common.http.auth;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import dev.history.common.Env;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Everything that reads a presented credential: API keys (prefix, shape, hash lookup), JWTs (parse,
 * header, signature, claims against a JWKS served on loopback), stream tickets, and key files. Only
 * {@link AuthFailure} (a 401) / IllegalArgumentException (a bad key file) may come out; nothing passes.
 */
class CredentialFuzzTest {
    private static final Authenticator AUTHENTICATOR;
    private static final StreamTickets TICKETS = new StreamTickets(null, Duration.ofSeconds(60), Clock.systemUTC());

    static {
        try {
            HttpServer jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            byte[] body = new JWKSet(new RSAKeyGenerator(2048).keyID("k1").generate().toPublicJWK()).toString()
                    .getBytes(StandardCharsets.UTF_8);
            jwks.createContext("/jwks", exchange -> {
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            jwks.start();
            AuthSettings settings = AuthSettings.from(Env.of(Map.of(
                    "API_KEYS_FILE", TestApps.keysFile(TestApps.entry("k", ApiKeyFormat.generate(), "\"admin\"", null)).toString(),
                    "AUTH_JWKS_URL", "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks",
                    "AUTH_JWT_ISSUER", "https://idp.test", "AUTH_JWT_AUDIENCE", "history-api")));
            AUTHENTICATOR = Authenticator.from(settings);
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "15s")
    void bearerTokensAndTickets(FuzzedDataProvider data) {
        // Loopback only: the harness (or the verifier fetching the test JWKS) talks to this test's own server.
        try (var allowed = BugDetectors.allowNetworkConnections((host, port) -> host.equals("localhost") || host.startsWith("127."))) {
            String token = data.consumeString(4096);
            String mode = data.pickValue(new String[] {"raw", "key", "jwt"});
            if (mode.equals("key")) token = ApiKeyFormat.PREFIX + token;
            if (mode.equals("jwt")) token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0." + token + "." + data.consumeRemainingAsString();
            try {
                Principal p = AUTHENTICATOR.authenticate(token);
                throw new AssertionError("accepted a fuzzed credential as " + p);
            } catch (AuthFailure expected) {
                // 401
            }
            try {
                TICKETS.verify(token, "alice");
                throw new AssertionError("accepted a fuzzed ticket");
            } catch (AuthFailure expected) {
                // 401
            }
        }
    }

    @FuzzTest(maxDuration = "15s")
    void keyFiles(FuzzedDataProvider data) {
        byte[] file = data.consumeRemainingAsBytes();
        try {
            ApiKeys.parse(file, "fuzz");
        } catch (IllegalArgumentException expected) {
            // refused at start with a message naming the entry
        }
    }
}
