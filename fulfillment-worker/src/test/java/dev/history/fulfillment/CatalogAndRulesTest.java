package dev.history.fulfillment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.history.common.Env;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pure rules: catalog validation, SSRF address checks, signatures, retry schedule. */
class CatalogAndRulesTest {
    static final RetryPolicy POLICY = new RetryPolicy(Durations.parseList("1s,5s,30s"), 2, Duration.ofHours(1), 0,
            5, Duration.ofHours(24), Duration.ofMinutes(10));

    @Test
    void loadsTheWidgetButtonListAsIs(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tasks.json");
        Files.writeString(file, """
                [{"name":"Replace card","url":"https://flows.example.com/replace","active":true},
                 {"name":"Send statement","url":"","active":true},
                 {"name":"Close account","url":"https://flows.example.com/close","active":false,
                  "secret":"${CLOSE_SECRET}","headers":{"X-Api-Key":"${CLOSE_KEY}"},"timeoutMs":2500,
                  "retry":{"schedule":"10s,1m","maxAttempts":3}}]
                """);
        TaskCatalog catalog = TaskCatalog.load(file, POLICY, Duration.ofSeconds(10), Env.of(Map.of(
                "CLOSE_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "CLOSE_KEY", "k-1")));
        assertThat(catalog.active()).extracting(Task::id).containsExactly("replace-card");
        Task close = catalog.find("close account").orElseThrow();
        assertThat(close.headers()).containsEntry("X-Api-Key", "k-1");
        assertThat(close.timeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(close.retry().maxAttempts()).isEqualTo(3);
        assertThat(close.retry().nominalDelay(2)).isEqualTo(Duration.ofMinutes(1));
        assertThat(close.toString()).doesNotContain("k-1");
        assertThat(catalog.find("send-statement").orElseThrow().requestable()).isFalse();
    }

    @Test
    void refusesAnInvalidCatalogNamingTheEntry(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tasks.json");
        Files.writeString(file, """
                [{"name":"Replace card","url":"https://a.example.com/x","active":true},
                 {"name":"Send statement","url":"ftp://b.example.com/x","active":true}]
                """);
        assertThatThrownBy(() -> TaskCatalog.load(file, POLICY, Duration.ofSeconds(10), Env.of(Map.of())))
                .hasMessageContaining("FULFILLMENT_TASKS_FILE").hasMessageContaining("entry 2 (\"Send statement\")")
                .hasMessageContaining("http(s)");
        Files.writeString(file, "[{\"name\":\"A\",\"url\":\"https://a.example.com\"},{\"name\":\"a\",\"url\":\"https://b.example.com\"}]");
        assertThatThrownBy(() -> TaskCatalog.load(file, POLICY, Duration.ofSeconds(10), Env.of(Map.of())))
                .hasMessageContaining("entry 2").hasMessageContaining("used twice");
        Files.writeString(file, "[{\"name\":\"A\",\"url\":\"https://a.example.com\",\"secret\":\"not base64!\"}]");
        assertThatThrownBy(() -> TaskCatalog.load(file, POLICY, Duration.ofSeconds(10), Env.of(Map.of())))
                .hasMessageContaining("entry 1 (\"A\")").hasMessageContaining("secret");
        Files.writeString(file, "[{\"name\":\"A\",\"url\":\"https://a.example.com\",\"active\":\"yes\"}]");
        assertThatThrownBy(() -> TaskCatalog.load(file, POLICY, Duration.ofSeconds(10), Env.of(Map.of())))
                .hasMessageContaining("active must be true or false");
    }

    @Test
    void guardRefusesNonPublicAddressesUnlessAllowed() throws Exception {
        AddressGuard strict = AddressGuard.parse(List.of());
        for (String a : List.of("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
                "100.64.0.1", "::1", "fe80::1", "fd00:ec2::254", "::ffff:10.0.0.1")) {
            assertThatThrownBy(() -> strict.check(a, InetAddress.getByName(a))).as(a)
                    .isInstanceOf(AddressGuard.Refused.class);
        }
        strict.check("8.8.8.8", InetAddress.getByName("8.8.8.8"));
        AddressGuard loopback = AddressGuard.parse(List.of("127.0.0.1/32"));
        loopback.check("127.0.0.1", InetAddress.getByName("127.0.0.1"));
        assertThatThrownBy(() -> loopback.check("127.0.0.2", InetAddress.getByName("127.0.0.2")))
                .isInstanceOf(AddressGuard.Refused.class);
        assertThatThrownBy(() -> AddressGuard.parse(List.of("10.0.0.0/33"))).hasMessageContaining("WEBHOOK_ALLOWED_NETWORKS");
    }

    @Test
    void signsLikeTheStandardWebhooksReference() {
        // Test vector from the Standard Webhooks specification's reference libraries.
        byte[] key = Signer.decodeSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        String signature = Signer.sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L,
                "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));
        assertThat(signature).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void retryRulesFollowScheduleRetryAfterAndLimits() {
        assertThat(POLICY.nominalDelay(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(POLICY.nominalDelay(3)).isEqualTo(Duration.ofSeconds(30));
        assertThat(POLICY.nominalDelay(4)).isEqualTo(Duration.ofSeconds(60)); // grows past the list
        assertThat(POLICY.delay(1, Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
        assertThat(POLICY.delay(1, Duration.ofHours(5))).isEqualTo(Duration.ofMinutes(10)); // bounded
        RetryPolicy jittered = POLICY.with(null, null, null, 0.2);
        for (int i = 0; i < 50; i++) {
            assertThat(jittered.delay(2, null).toMillis()).isBetween(4000L, 6000L);
        }
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        Outcome retry = new Outcome(Outcome.Kind.RETRY, 500, 10, now, null, null);
        assertThat(NextStep.after(retry, 1, POLICY, now, now).kind()).isEqualTo(NextStep.Kind.RETRY);
        assertThat(NextStep.after(retry, 5, POLICY, now, now).kind()).isEqualTo(NextStep.Kind.FAILED);
        assertThat(NextStep.after(retry, 1, POLICY, now.minus(Duration.ofHours(24)), now).kind())
                .isEqualTo(NextStep.Kind.FAILED);
        Outcome fail = new Outcome(Outcome.Kind.FAIL, 400, 10, now, null, null);
        assertThat(NextStep.after(fail, 1, POLICY, now, now).reason()).isEqualTo("HTTP 400 in 10 ms");
    }
}
