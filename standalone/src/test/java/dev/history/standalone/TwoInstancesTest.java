package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two history-streams instances share the partitions of one application: every customer's timeline
 * is correct and complete whichever instance is asked, and while the second instance joins, answers
 * are either correct or 503 + Retry-After, never a wrong (empty or partial) array.
 */
class TwoInstancesTest {
    private static final int CUSTOMERS = 1000;
    private static final int EVENTS_EACH = 3;

    @Test
    void everyTimelineIsCompleteFromEitherInstance() throws Exception {
        Map<String, String> env = new HashMap<>(TestSystems.env("two-instances"));
        env.put("TOPIC_PARTITIONS", "12");
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            TestHttp gateway = TestServices.gateway(env, resources);
            Map<String, List<String>> expected = writeCustomers(gateway);

            TestHttp first = TestServices.streams(env, "a", resources).http();
            awaitAll(first, expected);

            AtomicBoolean joining = new AtomicBoolean(true);
            AtomicInteger wrongAnswers = new AtomicInteger();
            AtomicInteger unavailable = new AtomicInteger();
            Thread reader = new Thread(() -> {
                while (joining.get()) {
                    for (int c = 0; c < 50 && joining.get(); c++) {
                        TestHttp.Response response = first.get("/history?username=c" + c);
                        if (response.status() == 503 && "1".equals(response.header("Retry-After"))) unavailable.incrementAndGet();
                        else if (response.status() != 200 || !response.eventIds().equals(expected.get("c" + c))) {
                            wrongAnswers.incrementAndGet();
                        }
                    }
                }
            });
            reader.start();
            TestHttp second = TestServices.streams(env, "b", resources).http();
            awaitAll(second, expected);
            joining.set(false);
            reader.join();
            assertThat(wrongAnswers.get()).as("wrong answers during the rebalance (503s: %d)", unavailable.get()).isZero();

            for (Map.Entry<String, List<String>> customer : expected.entrySet()) {
                assertThat(first.get("/history?username=" + customer.getKey()).eventIds())
                        .as("%s via a", customer.getKey()).isEqualTo(customer.getValue());
                assertThat(second.get("/history?username=" + customer.getKey()).eventIds())
                        .as("%s via b", customer.getKey()).isEqualTo(customer.getValue());
            }
        } finally {
            for (int i = resources.size() - 1; i >= 0; i--) resources.get(i).close();
        }
    }

    /** Writes every customer's events through the batch endpoint; returns the ids each timeline must show, in order. */
    private static Map<String, List<String>> writeCustomers(TestHttp gateway) {
        Map<String, List<String>> expected = new HashMap<>();
        for (int round = 0; round < EVENTS_EACH; round++) {
            for (int start = 0; start < CUSTOMERS; start += 100) {
                StringBuilder batch = new StringBuilder("[");
                for (int c = start; c < start + 100; c++) {
                    if (c > start) batch.append(',');
                    batch.append("{\"username\":\"c%d\",\"source\":\"ivr\",\"note\":\"%d\",\"timestamp\":\"2026-03-01T10:00:0%dZ\"}"
                            .formatted(c, round, round));
                }
                JsonNode results = postUntilStored(gateway, batch.append(']').toString(), "r" + round + "-" + start);
                for (int i = 0; i < 100; i++) {
                    expected.computeIfAbsent("c" + (start + i), k -> new ArrayList<>()).add(results.get(i).get("id").asText());
                }
            }
        }
        return expected;
    }

    /** Like a real client: retries a batch (same Idempotency-Key, so no duplicates) until every item is stored. */
    private static JsonNode postUntilStored(TestHttp gateway, String batch, String key) {
        for (int attempt = 1; ; attempt++) {
            TestHttp.Response response = gateway.postJson("/history/batch", batch, "Idempotency-Key", key);
            boolean allStored = response.status() == 200;
            if (allStored) for (JsonNode item : response.json()) allStored &= item.has("id");
            if (allStored) return response.json();
            if (attempt == 5) throw new AssertionError("batch not stored after 5 attempts: " + response.body());
        }
    }

    private static void awaitAll(TestHttp instance, Map<String, List<String>> expected) {
        TestSystems.await("every customer complete", Duration.ofSeconds(90), () -> {
            for (int c = CUSTOMERS - 1; c >= 0; c -= 97) {
                TestHttp.Response response = instance.get("/history?username=c" + c);
                if (response.status() != 200 || !response.eventIds().equals(expected.get("c" + c))) return false;
            }
            return true;
        });
    }

}
