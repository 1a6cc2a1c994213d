package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.history.common.Env;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Protected by default: without credentials the system listens on loopback only, refuses another
 * address unless AUTH=none, and with AUTH=none the existing contract works unchanged without credentials.
 */
class ProtectedModeTest {

    @Test
    void refusesToListenBeyondLoopbackWithoutAuthentication() {
        Map<String, String> env = TestSystems.env("protected-refuse");
        env.put("HTTP_HOST", "0.0.0.0");
        assertThatThrownBy(() -> Standalone.start(Env.of(env)))
                .hasMessageContaining("refusing to listen on HTTP_HOST=0.0.0.0 without authentication")
                .hasMessageContaining("API_KEYS_FILE").hasMessageContaining("AUTH=none");
    }

    @Test
    void withoutCredentialsItListensOnLoopbackOnly() {
        try (Standalone system = TestSystems.start(TestSystems.env("protected-local"))) {
            assertThat(system.app().jettyServer().server().getURI().getHost()).isIn("127.0.0.1", "localhost");
            assertThat(new TestHttp(system.port()).get("/history?username=nobody").status()).isEqualTo(200);
        }
    }

    @Test
    void withAuthNoneTheExistingContractWorksOnAnyAddressWithoutCredentials() {
        Map<String, String> env = TestSystems.env("protected-open");
        env.put("HTTP_HOST", "0.0.0.0");
        env.put("AUTH", "none");
        try (Standalone system = TestSystems.start(env)) {
            TestHttp http = new TestHttp(system.port());
            String user = "open-" + UUID.randomUUID();
            assertThat(http.postJson("/history", "{\"username\":\"" + user + "\",\"source\":\"ivr\",\"note\":\"a\"}").status()).isEqualTo(200);
            assertThat(http.postForm("/history", "username=" + user + "&source=bot&level=1&note=b").status()).isEqualTo(200);
            TestSystems.await("both events", Duration.ofSeconds(20), () -> http.get("/history?username=" + user).eventIds().size() == 2);
            assertThat(http.postJson("/userdata", "{\"username\":\"" + user + "\",\"ani\":\"+44 20 7946 0999\"}").status()).isEqualTo(200);
            TestSystems.await("lookup", Duration.ofSeconds(20), () -> http.get("/getuserdata?ani=442079460999").status() == 200);
            assertThat(http.get("/fulfillment/tasks").status()).isEqualTo(200);
            assertThat(http.get("/metrics").status()).isEqualTo(200);
            TestHttp.Response preflight = http.method("OPTIONS", "/history", "Origin", "https://desktop.example",
                    "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type");
            assertThat(preflight.status()).isEqualTo(200);
            assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("*");
            assertThat(http.deleteJson("/history", "{\"username\":\"" + user + "\"}").status()).isEqualTo(200);
        }
    }
}
