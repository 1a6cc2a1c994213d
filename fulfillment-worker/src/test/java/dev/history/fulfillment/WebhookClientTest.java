package dev.history.fulfillment;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The webhook client on its own (no Kafka): the connection goes to the address the guard checked while the
 * request keeps the original host name, with nothing set JVM-wide.
 */
class WebhookClientTest {
    /** A reserved name (RFC 6761 {@code .test}): only the test resolver below knows it. */
    static final String NAME = "webhook.pinned.test";

    final List<String> lookups = new CopyOnWriteArrayList<>();
    Sink sink;
    WebhookClient client;

    @BeforeEach
    void start() {
        // Bound to 127.0.0.2 only: a connection to any other address (or a fresh system lookup) cannot reach it.
        sink = new Sink("127.0.0.2");
    }

    @AfterEach
    void stop() {
        if (client != null) client.close();
        sink.close();
    }

    /** A guard whose resolver answers {@code NAME} with {@code addresses} (and nothing else). */
    AddressGuard guard(List<String> allowed, String... addresses) {
        return new AddressGuard(allowed.stream().map(AddressGuard.Cidr::parse).toList(), host -> {
            lookups.add(host);
            if (!host.equals(NAME)) return InetAddress.getAllByName(host); // IP literals: no lookup
            InetAddress[] out = new InetAddress[addresses.length];
            for (int i = 0; i < addresses.length; i++) out[i] = InetAddress.getByName(addresses[i]);
            return out;
        });
    }

    WebhookClient client(AddressGuard guard, long maxResponseBytes) {
        client = new WebhookClient(guard, Duration.ofSeconds(2), maxResponseBytes, 8, Clock.systemUTC());
        return client;
    }

    int port() {
        return URI.create(sink.url("/")).getPort();
    }

    Task task(String path) {
        return new Task("pinned", "Pinned", URI.create("http://" + NAME + ":" + port() + path), true, null, Map.of(),
                Duration.ofSeconds(5), null, null);
    }

    static FulfillmentRequest request(String id) {
        return new FulfillmentRequest(id, "pinned", "Pinned", "alice", "15551234567", "sms", "parent-1", "2026-12-07T00:00:00Z");
    }

    @Test
    void connectsToTheCheckedAddressAndSendsTheOriginalHost() throws Exception {
        assertThat(System.getProperty("jdk.httpclient.allowRestrictedHeaders")).isNull();
        WebhookClient webhooks = client(guard(List.of("127.0.0.0/8"), "127.0.0.2"), 65536);

        Outcome outcome = webhooks.deliver(task("/hook"), request("r-1"), 1).get(10, TimeUnit.SECONDS);

        assertThat(outcome.kind()).isEqualTo(Outcome.Kind.SUCCESS);
        assertThat(outcome.status()).isEqualTo(200);
        List<Sink.Delivery> calls = sink.byWebhookId("r-1");
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).path()).isEqualTo("/hook");
        assertThat(calls.get(0).header("host")).isEqualTo(NAME + ":" + port());
        assertThat(lookups).isNotEmpty().containsOnly(NAME);
        assertThat(System.getProperty("jdk.httpclient.allowRestrictedHeaders")).isNull();
    }

    @Test
    void aNameResolvingToAPrivateAddressIsRefusedAndNeverCalled() throws Exception {
        WebhookClient webhooks = client(guard(List.of(), "127.0.0.2"), 65536);

        Outcome outcome = webhooks.deliver(task("/hook"), request("r-2"), 1).get(10, TimeUnit.SECONDS);

        assertThat(outcome.kind()).isEqualTo(Outcome.Kind.FAIL);
        assertThat(outcome.status()).isNull();
        assertThat(outcome.error()).contains(NAME).contains("127.0.0.2").contains("WEBHOOK_ALLOWED_NETWORKS");
        assertThat(sink.all()).isEmpty();
    }

    @Test
    void oneUncheckedAddressAmongSeveralRefusesTheCall() throws Exception {
        // 127.0.0.2 is allowed and listening; 10.0.0.1 is not allowed: no address of the name is used.
        WebhookClient webhooks = client(guard(List.of("127.0.0.0/8"), "127.0.0.2", "10.0.0.1"), 65536);

        Outcome outcome = webhooks.deliver(task("/hook"), request("r-3"), 1).get(10, TimeUnit.SECONDS);

        assertThat(outcome.kind()).isEqualTo(Outcome.Kind.FAIL);
        assertThat(outcome.error()).contains("10.0.0.1");
        assertThat(sink.all()).isEmpty();
    }

    @Test
    void anIpLiteralIsCheckedToo() throws Exception {
        WebhookClient webhooks = client(guard(List.of()), 65536);
        Task literal = new Task("literal", "Literal", URI.create(sink.url("/hook")), true, null, Map.of(),
                Duration.ofSeconds(5), null, null);

        Outcome outcome = webhooks.deliver(literal, request("r-4"), 1).get(10, TimeUnit.SECONDS);

        assertThat(outcome.kind()).isEqualTo(Outcome.Kind.FAIL);
        assertThat(outcome.error()).contains("127.0.0.2").contains("WEBHOOK_ALLOWED_NETWORKS");
        assertThat(sink.all()).isEmpty();
    }

    @Test
    void a503WithRetryAfterZeroReachesTheWorkerInsteadOfBeingRepeated() throws Exception {
        sink.script("/busy", new Sink.Reply(503, Map.of("Retry-After", "0"), 0, ""));
        WebhookClient webhooks = client(guard(List.of("127.0.0.0/8"), "127.0.0.2"), 65536);

        Outcome outcome = webhooks.deliver(task("/busy"), request("r-5"), 1).get(10, TimeUnit.SECONDS);

        assertThat(outcome.kind()).isEqualTo(Outcome.Kind.RETRY);
        assertThat(outcome.status()).isEqualTo(503);
        assertThat(outcome.retryAfter()).isEqualTo(Duration.ZERO);
        assertThat(sink.byWebhookId("r-5")).hasSize(1);
    }

    @Test
    void responseBodyIsCutAtTheLimit() throws Exception {
        sink.script("/big", new Sink.Reply(200, Map.of(), 0, "x".repeat(10_000)));
        sink.script("/small", new Sink.Reply(200, Map.of(), 0, "short"));
        WebhookClient webhooks = client(guard(List.of("127.0.0.0/8"), "127.0.0.2"), 100);
        URI base = URI.create("http://" + NAME + ":" + port());

        WebhookClient.Response big = webhooks.post(base.resolve("/big"), Map.of(), new byte[0], Duration.ofSeconds(5))
                .get(10, TimeUnit.SECONDS);
        WebhookClient.Response small = webhooks.post(base.resolve("/small"), Map.of(), new byte[0], Duration.ofSeconds(5))
                .get(10, TimeUnit.SECONDS);

        assertThat(big.status()).isEqualTo(200);
        assertThat(big.body()).hasSize(100);
        assertThat(WebhookClient.bodyText(small.body())).isEqualTo("short");
    }
}
