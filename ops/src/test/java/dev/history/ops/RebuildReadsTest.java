package dev.history.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.Env;
import dev.history.standalone.Standalone;
import dev.history.standalone.TestHttp;
import dev.history.standalone.TestSystems;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * After {@code ops rebuild} the restarted system reprocesses every topic: while it does, reads of
 * customers with a known event count are complete or 503 + Retry-After, never partial, and every
 * read after {@code /health/ready} = 200 is complete.
 */
class RebuildReadsTest {
    private static final int CUSTOMERS = 30;
    private static final int EVENTS_EACH = 20;

    @Test
    void readsDuringAndAfterARebuildAreCompleteOr503() throws Exception {
        Map<String, String> env = new HashMap<>(TestSystems.env("rebuildreads"));
        env.remove("KAFKA_BOOTSTRAP_SERVERS");
        env.put("KAFKA_PORT", Integer.toString(TestSystems.freePort()));
        try (Standalone system = TestSystems.start(env)) {
            TestHttp http = new TestHttp(system.port());
            for (int c = 0; c < CUSTOMERS; c++) {
                StringBuilder batch = new StringBuilder("[");
                for (int e = 0; e < EVENTS_EACH; e++) {
                    batch.append(e == 0 ? "" : ",").append("{\"username\":\"rr%d\",\"source\":\"ivr\",\"note\":\"%d\"}".formatted(c, e));
                }
                assertThat(http.postJson("/history/batch", batch.append(']').toString()).body()).doesNotContain("\"error\"");
            }
        }
        assertThat(Ops.run(env, "rebuild", "--data-dir", env.get("DATA_DIR")).code()).isZero();

        TestHttp http = new TestHttp(Integer.parseInt(env.get("HTTP_PORT")));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger complete = new AtomicInteger();
        AtomicInteger unavailable = new AtomicInteger();
        AtomicInteger partial = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (running.get()) {
                for (int c = 0; c < CUSTOMERS && running.get(); c++) {
                    TestHttp.Response response;
                    try {
                        response = http.get("/history?username=rr" + c);
                    } catch (AssertionError notListeningYet) {
                        continue;
                    }
                    if (response.status() == 503 && response.header("Retry-After") != null) unavailable.incrementAndGet();
                    else if (response.status() == 200 && response.json().size() == EVENTS_EACH) complete.incrementAndGet();
                    else if (response.status() == 200) partial.incrementAndGet();
                }
            }
        });
        reader.start();
        try (Standalone system = Standalone.start(Env.of(env))) {
            TestSystems.await("ready after the rebuild", Duration.ofSeconds(90), () -> http.get("/health/ready").status() == 200);
            for (int c = 0; c < CUSTOMERS; c++) {
                assertThat(http.get("/history?username=rr" + c).json().size()).as("rr%d after ready", c).isEqualTo(EVENTS_EACH);
            }
            TestSystems.await("the reader sees complete answers", Duration.ofSeconds(30), () -> complete.get() > CUSTOMERS);
        } finally {
            running.set(false);
            reader.join();
        }
        assertThat(partial.get()).as("partial timelines during the rebuild (complete %d, 503 %d)", complete.get(), unavailable.get())
                .isZero();
    }
}
