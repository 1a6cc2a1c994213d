package dev.history.common.http.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Token buckets per credential and per address; bad credentials from one address are slowed. */
class RateLimitTest {
    private Javalin app;

    @AfterEach
    void stop() {
        if (app != null) app.stop();
    }

    @Test
    void aBurstGets429WithRetryAfterAndOtherKeysAreUnaffected() {
        String limited = ApiKeyFormat.generate();
        String other = ApiKeyFormat.generate();
        app = TestApps.start(Map.of("API_KEYS_FILE", TestApps.keysFile(
                TestApps.entry("limited", limited, "\"history:read\"", "{\"perSecond\":1,\"burst\":5}"),
                TestApps.entry("other", other, "\"history:read\"", null)).toString()), 0);
        String url = "http://localhost:" + app.port() + "/history?username=a";
        int ok = 0;
        HttpResponse<String> refused = null;
        for (int i = 0; i < 20 && refused == null; i++) {
            HttpResponse<String> r = Http.send("GET", url, null, "X-API-Key", limited);
            if (r.statusCode() == 200) {
                ok++;
                assertThat(r.headers().firstValue("RateLimit-Policy")).hasValue("\"credential\";q=5;w=5");
                assertThat(r.headers().firstValue("RateLimit")).hasValueSatisfying(v -> assertThat(v).startsWith("\"credential\";r="));
            } else {
                refused = r;
            }
        }
        assertThat(ok).isBetween(5, 7);
        assertThat(refused).isNotNull();
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isPositive());
        assertThat(refused.body()).contains("\"error\"", "\"details\"", "retryAfterSeconds");
        for (int i = 0; i < 10; i++) {
            assertThat(Http.send("GET", url, null, "X-API-Key", other).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aBurstOfBadCredentialsFromOneAddressIsSlowedBeforeTheyAreEvenChecked() {
        String good = ApiKeyFormat.generate();
        app = TestApps.start(Map.of("RATE_LIMIT_FAILED_AUTH", "1:3", "API_KEYS_FILE",
                TestApps.keysFile(TestApps.entry("good", good, "\"history:read\"", null)).toString()), 0);
        String url = "http://localhost:" + app.port() + "/history?username=a";
        int unauthorized = 0;
        int limited = 0;
        for (int i = 0; i < 10; i++) {
            int status = Http.send("GET", url, null, "X-API-Key", ApiKeyFormat.generate()).statusCode();
            if (status == 401) unauthorized++;
            if (status == 429) limited++;
        }
        assertThat(unauthorized).isBetween(3, 4);
        assertThat(limited).isGreaterThanOrEqualTo(6);
    }

    @Test
    void perAddressLimitAppliesBeforeAuthentication() {
        String good = ApiKeyFormat.generate();
        app = TestApps.start(Map.of("RATE_LIMIT_PER_ADDRESS", "1:4", "API_KEYS_FILE",
                TestApps.keysFile(TestApps.entry("good", good, "\"history:read\"", null)).toString()), 0);
        String url = "http://localhost:" + app.port() + "/history?username=a";
        int limited = 0;
        for (int i = 0; i < 10; i++) {
            if (Http.send("GET", url, null, "X-API-Key", good).statusCode() == 429) limited++;
        }
        assertThat(limited).isGreaterThanOrEqualTo(5);
        assertThat(Http.send("GET", "http://localhost:" + app.port() + "/health/live", null).statusCode()).isEqualTo(200);
    }
}
