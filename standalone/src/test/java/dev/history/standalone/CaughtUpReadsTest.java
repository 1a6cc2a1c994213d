package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Readiness means caught up: a history-streams instance that starts with input lag (events written
 * while it was down) answers every read complete or 503 — before and after {@code /health/ready} is
 * 200 — never a partial timeline.
 */
class CaughtUpReadsTest {
    static final int CUSTOMERS = 40;
    static final int EVENTS_EACH = 20;

    @Test
    void aRestartWithInputLagNeverAnswersAPartialTimeline() throws Exception {
        Map<String, String> env = new HashMap<>(TestSystems.env("caughtup"));
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            TestHttp gateway = TestServices.gateway(env, resources);
            List<AutoCloseable> first = new ArrayList<>();
            TestServices.Streams before = TestServices.streams(env, "before", first);
            TestServices.awaitReady(before.http());
            write(gateway, 0, CUSTOMERS / 2);
            for (int i = first.size() - 1; i >= 0; i--) first.get(i).close();
            write(gateway, CUSTOMERS / 2, CUSTOMERS); // written while no instance runs: input lag

            // A new instance with empty local state: restores the changelogs and processes the lag.
            Reader reader = new Reader();
            reader.start(TestSystems.freePort());
            TestServices.Streams after = TestServices.streams(env, "after", resources, reader.port);
            TestServices.awaitReady(after.http());
            int afterReadyPartials = 0;
            for (int c = 0; c < CUSTOMERS; c++) {
                TestHttp.Response response = after.http().get("/history?username=cu" + c);
                if (response.status() != 200 || response.json().size() != EVENTS_EACH) afterReadyPartials++;
            }
            TestSystems.await("the reader sees complete answers", Duration.ofSeconds(30), () -> reader.complete.get() > CUSTOMERS);
            reader.stop();
            assertThat(reader.partial.get()).as("partial 200s while catching up (complete: %d, 503: %d)",
                    reader.complete.get(), reader.unavailable.get()).isZero();
            assertThat(afterReadyPartials).as("incomplete reads after /health/ready = 200").isZero();
            assertThat(reader.complete.get()).isPositive();
        } finally {
            for (int i = resources.size() - 1; i >= 0; i--) resources.get(i).close();
        }
    }

    static void write(TestHttp gateway, int from, int to) {
        for (int c = from; c < to; c++) {
            StringBuilder batch = new StringBuilder("[");
            for (int e = 0; e < EVENTS_EACH; e++) {
                batch.append(e == 0 ? "" : ",").append("{\"username\":\"cu%d\",\"source\":\"ivr\",\"note\":\"%d\"}".formatted(c, e));
            }
            TestHttp.Response response = gateway.postJson("/history/batch", batch.append(']').toString());
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).doesNotContain("\"error\"");
        }
    }

    /** Reads every customer in a loop from another thread; counts complete, 503 and partial answers. */
    static final class Reader {
        final AtomicInteger complete = new AtomicInteger();
        final AtomicInteger unavailable = new AtomicInteger();
        final AtomicInteger partial = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private Thread thread;
        int port;

        void start(int port) {
            this.port = port;
            TestHttp http = new TestHttp(port);
            thread = new Thread(() -> {
                while (running.get()) {
                    for (int c = 0; c < CUSTOMERS && running.get(); c++) {
                        TestHttp.Response response;
                        try {
                            response = http.get("/history?username=cu" + c);
                        } catch (AssertionError notListening) {
                            continue;
                        }
                        if (response.status() == 503 && response.header("Retry-After") != null) unavailable.incrementAndGet();
                        else if (response.status() == 200 && response.json().size() == EVENTS_EACH) complete.incrementAndGet();
                        else if (response.status() == 200) partial.incrementAndGet();
                    }
                }
            }, "reader");
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(Duration.ofSeconds(30).toMillis());
        }
    }
}
