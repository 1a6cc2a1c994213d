package dev.history.fulfillment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.Env;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A worker started while Kafka does not answer yet (a cold cluster: the first {@code initTransactions}
 * times out) keeps trying and reports not ready, instead of exiting; once Kafka answers it becomes ready
 * and accepts requests. Kafka is reached through a relay that refuses connections until it is opened.
 */
class ColdClusterStartTest {

    @Test
    void aWorkerStartedBeforeKafkaAnswersRetriesUntilReady() throws Exception {
        TestSystem template = new TestSystem("""
                [{"name":"Send statement","url":"http://127.0.0.1:9/hook","active":true}]""", Map.of());
        String[] hostPort = template.bootstrap.split(",")[0].split(":");
        try (Relay relay = new Relay(hostPort[0], Integer.parseInt(hostPort[1]))) {
            Map<String, String> vars = new HashMap<>(template.vars());
            vars.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + relay.port());
            vars.put("KAFKA_REQUEST_TIMEOUT_MS", "1500");
            FulfillmentService service = new FulfillmentService(FulfillmentConfig.from(Env.of(vars)));
            try {
                service.startRetrying(Duration.ofMillis(200));
                Await.until(Duration.ofSeconds(60), service::startFailures, n -> n >= 2, "two failed start attempts");
                assertThat(relay.refused()).as("connections refused by the closed relay").isPositive();
                assertThat(service.isReady()).as("ready while Kafka does not answer").isFalse();

                relay.open();
                Await.until(Duration.ofSeconds(90), service::isReady, r -> r, "readiness once Kafka answers");
                Task task = service.tasks().find("Send statement").orElseThrow();
                FulfillmentRequest request = new FulfillmentRequest("cold-1", task.id(), task.name(), "ann", "441",
                        "sms", "", dev.history.common.Timestamps.now());
                assertThat(service.submit(request).get().id()).isEqualTo("cold-1");
                assertThat(service.status("cold-1")).isNotEqualTo(Optional.empty());
            } finally {
                service.close();
            }
        }
    }

    /** Relays TCP to Kafka; until {@link #open()} it closes every connection at once (as a broker not yet listening). */
    private static final class Relay implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final AtomicBoolean open = new AtomicBoolean();
        private volatile int refused;

        Relay(String host, int port) throws IOException {
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        if (!open.get()) {
                            refused++;
                            client.close();
                            continue;
                        }
                        Socket upstream = new Socket(host, port);
                        pump(client.getInputStream(), upstream.getOutputStream(), client, upstream);
                        pump(upstream.getInputStream(), client.getOutputStream(), client, upstream);
                    } catch (IOException e) {
                        // closed, or one connection failed
                    }
                }
            }, "relay");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private static void pump(InputStream in, OutputStream out, Socket a, Socket b) {
            Thread t = new Thread(() -> {
                try {
                    in.transferTo(out);
                } catch (IOException ignored) {
                    // one side closed
                } finally {
                    try {
                        a.close();
                        b.close();
                    } catch (IOException ignored) {
                        // closing
                    }
                }
            }, "relay-pump");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int refused() {
            return refused;
        }

        void open() {
            open.set(true);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
