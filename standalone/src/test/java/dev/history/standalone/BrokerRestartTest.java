package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The broker restarts under load: clients get 503s (and retry), never a 200 for an event that is not
 * durable; after recovery every acknowledged event is in its timeline exactly once.
 */
class BrokerRestartTest {

    @Test
    void restartingTheBrokerUnderLoadLosesNothingAcknowledged() throws Exception {
        Path dataDir = TestSystems.tempDir("broker-restart");
        int kafkaPort = TestSystems.freePort();
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, kafkaPort);
        Map<String, String> env = new HashMap<>(TestSystems.env("broker-restart"));
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("DATA_DIR", dataDir.toString());
        env.put("KAFKA_REQUEST_TIMEOUT_MS", "3000");
        Map<String, Set<String>> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger unavailable = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        AtomicBoolean loading = new AtomicBoolean(true);
        try (Standalone system = TestSystems.start(env)) {
            TestHttp http = new TestHttp(system.port());
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int writer = w;
                writers.add(new Thread(() -> {
                    for (int i = 0; loading.get(); i++) {
                        String user = "b" + (i % 50);
                        String id = "w" + writer + "-" + i;
                        TestHttp.Response response = http.postJson("/history",
                                "{\"username\":\"%s\",\"source\":\"sms\",\"id\":\"%s\"}".formatted(user, id));
                        if (response.status() == 200) {
                            ok.incrementAndGet();
                            acknowledged.computeIfAbsent(user, k -> ConcurrentHashMap.newKeySet()).add(id);
                        } else if (response.status() == 503 && response.header("Retry-After") != null) {
                            unavailable.incrementAndGet();
                        } else {
                            other.incrementAndGet();
                        }
                    }
                }));
            }
            writers.forEach(Thread::start);
            TestSystems.await("load running", Duration.ofSeconds(30), () -> ok.get() > 300);

            kafka.close();
            int okWhenStopped = ok.get();
            TestSystems.await("writes refused while the broker is down", Duration.ofSeconds(30), () -> unavailable.get() > 0);
            kafka = EmbeddedKafka.start(dataDir, kafkaPort);
            TestSystems.await("writes acknowledged again", Duration.ofSeconds(60), () -> ok.get() > okWhenStopped + 300);
            loading.set(false);
            for (Thread writer : writers) writer.join();

            System.out.printf("broker restart: %d acknowledged, %d answered 503, %d other%n", ok.get(), unavailable.get(), other.get());
            assertThat(other.get()).as("answers other than 200 or 503 + Retry-After").isZero();
            TestSystems.await("every acknowledged event visible", Duration.ofSeconds(120), () -> acknowledged.entrySet().stream()
                    .allMatch(c -> http.get("/history?username=" + c.getKey()).eventIds().size() >= c.getValue().size()));
            for (Map.Entry<String, Set<String>> customer : acknowledged.entrySet()) {
                List<String> ids = http.get("/history?username=" + customer.getKey()).eventIds();
                assertThat(ids).as(customer.getKey()).doesNotHaveDuplicates();
                assertThat(new HashSet<>(ids)).as(customer.getKey()).containsAll(customer.getValue());
            }
        } finally {
            loading.set(false);
            kafka.close();
        }
    }

}
