package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.history.common.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The whole standalone system (broker, Streams, worker, HTTP) in a child JVM, SIGKILLed under
 * concurrent writes with client ids, fulfillment requests with idempotency keys and reads, then
 * restarted on the same {@code DATA_DIR}, three times. Asserts what users were promised:
 * <ul>
 *   <li>once {@code /health/ready} answers 200, every read of a customer whose events were acknowledged
 *       before the kill is complete (or a 503), never a partial timeline, and every request accepted
 *       before the kill is known to {@code GET /fulfillment/{id}};
 *   <li>every acknowledged event is in its timeline exactly once (requests that got no answer are
 *       retried with the same id after the restart, as a client would);
 *   <li>every accepted fulfillment request reaches a final state, its webhook was called, and its
 *       child events are not duplicated;
 *   <li>no read or write ever answered anything but its success status or a 503.
 * </ul>
 */
class KillNineChaosTest {
    private static final int CUSTOMERS = 120;
    private static final int CYCLES = 3;
    private static final int ACKS_PER_CYCLE = 1500;
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    private record Answer(int status, String body, String retryAfter) {
        static final Answer FAILED = new Answer(-1, "", null);
    }

    private final Map<String, Set<String>> acknowledged = new ConcurrentHashMap<>();
    /** Event ids sent without an answer (connection reset by the kill): outcome unknown until retried. */
    private final Map<String, String> uncertainEvents = new ConcurrentHashMap<>();
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    /** Fulfillment idempotency key → body, for requests that got no answer. */
    private final Map<String, String> uncertainRequests = new ConcurrentHashMap<>();
    private final Map<String, String> requestIdsByKey = new ConcurrentHashMap<>();
    private final AtomicInteger acks = new AtomicInteger();
    private final AtomicInteger wrongAnswers = new AtomicInteger();
    private final List<String> wrongSamples = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Map<String, AtomicInteger> sinkSuccesses = new ConcurrentHashMap<>();
    private final AtomicBoolean loading = new AtomicBoolean(true);
    private volatile int port;

    @Test
    void killMinusNineUnderLoadThreeTimesLosesNothingAndNeverServesAPartialTimeline() throws Exception {
        HttpServer sink = sink();
        Path log = Files.createTempFile("chaos-standalone", ".log");
        Map<String, String> env = env(sink.getAddress().getPort());
        port = Integer.parseInt(env.get("HTTP_PORT"));
        ChildJvm system = ChildJvm.start(StandaloneMain.class.getName(), env, log, "-Xmx768m");
        List<Thread> load = new ArrayList<>();
        try {
            awaitReady(log);
            for (int w = 0; w < 3; w++) load.add(thread("writer-" + w, this::writeEvents));
            load.add(thread("fulfillment", this::requestFulfillment));
            load.add(thread("reader", this::readConcurrently));
            load.forEach(Thread::start);

            int incomplete = 0;
            int unknownRequests = 0;
            for (int cycle = 1; cycle <= CYCLES; cycle++) {
                int target = cycle * ACKS_PER_CYCLE;
                TestSystems.await(target + " acknowledged events", Duration.ofSeconds(120), () -> acks.get() >= target);
                long loadedAt = System.nanoTime();
                Map<String, Set<String>> beforeKill = snapshot();
                Set<String> acceptedBeforeKill = Set.copyOf(accepted);
                system.kill();
                system = ChildJvm.start(StandaloneMain.class.getName(), env, log, "-Xmx768m");
                awaitReady(log);
                long readyAt = System.nanoTime();
                incomplete += incompleteReads(beforeKill);
                unknownRequests += unknownRequests(acceptedBeforeKill);
                System.out.printf("chaos cycle %d: %d events acknowledged, %d requests accepted, %d incomplete reads "
                        + "after ready, %d unknown requests; restart took %d ms, checks %d ms%n", cycle, acks.get(),
                        accepted.size(), incomplete, unknownRequests, (readyAt - loadedAt) / 1_000_000,
                        (System.nanoTime() - readyAt) / 1_000_000);
            }
            loading.set(false);
            for (Thread t : load) t.join();
            resolveUncertain();

            assertThat(incomplete).as("reads after /health/ready = 200 that missed acknowledged events").isZero();
            assertThat(unknownRequests).as("accepted requests unknown to GET /fulfillment/{id} after ready").isZero();
            assertThat(wrongAnswers.get()).as("answers other than success or 503: %s", wrongSamples).isZero();
            assertExactlyOnce(log);
            assertFulfillmentsFinished();
        } finally {
            loading.set(false);
            for (Thread t : load) t.join(30_000);
            system.close();
            sink.stop(0);
        }
    }

    private Map<String, String> env(int sinkPort) {
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", TestSystems.tempDir("chaos-data").toString());
        env.put("HTTP_PORT", Integer.toString(TestSystems.freePort()));
        env.put("KAFKA_PORT", Integer.toString(TestSystems.freePort()));
        env.put("TOPIC_PARTITIONS", "4");
        env.put("FULFILLMENT_RETRY_SCHEDULE", "300ms");
        // The dead instance's Streams membership ends with its session: 10 s instead of 45 s keeps the test short.
        env.put("KAFKA_CLIENT_SESSION_TIMEOUT_MS", "10000");
        TestSystems.withFulfillment(env, "chaos", """
                [{"name":"Send statement","url":"http://127.0.0.1:%d/hook","active":true}]""".formatted(sinkPort));
        return env;
    }

    /** Succeeds, except that the first attempt of every other request fails (so retries cross the kills too). */
    private HttpServer sink() throws IOException {
        HttpServer sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sink.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
        sink.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            String attempt = exchange.getRequestHeaders().getFirst("webhook-attempt");
            boolean fail = "1".equals(attempt) && (id.hashCode() & 1) == 0;
            if (!fail) sinkSuccesses.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            exchange.sendResponseHeaders(fail ? 503 : 204, -1);
            exchange.close();
        });
        sink.start();
        return sink;
    }

    private void writeEvents() {
        AtomicLong seq = new AtomicLong();
        String writer = Thread.currentThread().getName();
        while (loading.get()) {
            String customer = "c" + ThreadLocalRandom.current().nextInt(CUSTOMERS);
            String id = writer + "-" + seq.incrementAndGet();
            if (!postEvent(customer, id)) uncertainEvents.put(id, customer);
            // Pacing (about 1,000 events/s over the writers): load, not a flood that makes the test slow.
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
    }

    /** True once acknowledged; false when the answer was lost or 503 (the client will retry with the same id). */
    private boolean postEvent(String customer, String id) {
        Answer a = send("POST", "/history", "{\"username\":\"%s\",\"source\":\"ivr\",\"id\":\"%s\",\"note\":\"chaos\"}"
                .formatted(customer, id), null);
        if (a.status() == 200) {
            assertThat(Json.read(a.body().getBytes(), JsonNode.class).get("id").asText()).isEqualTo(id);
            acknowledged.computeIfAbsent(customer, k -> ConcurrentHashMap.newKeySet()).add(id);
            acks.incrementAndGet();
            return true;
        }
        if (a.status() != 503 && a.status() != -1) wrong("POST /history " + a.status() + " " + a.body());
        pause(a);
        return false;
    }

    private void requestFulfillment() {
        int n = 0;
        while (loading.get()) {
            String key = "req-" + (++n);
            String body = "{\"task\":\"Send statement\",\"username\":\"f%d\",\"msisdn\":\"+100%d\",\"eventParent\":\"\"}"
                    .formatted(n % 20, n);
            if (!postFulfillment(key, body)) uncertainRequests.put(key, body);
            pause(new Answer(0, "", null));
        }
    }

    private boolean postFulfillment(String key, String body) {
        Answer a = send("POST", "/fulfillment", body, key);
        if (a.status() == 202) {
            String id = Json.read(a.body().getBytes(), JsonNode.class).get("id").asText();
            requestIdsByKey.put(key, id);
            accepted.add(id);
            return true;
        }
        if (a.status() != 503 && a.status() != -1) wrong("POST /fulfillment " + a.status() + " " + a.body());
        pause(a);
        return false;
    }

    /** Reads while everything happens: any answer but an array or a 503 with Retry-After is wrong. */
    private void readConcurrently() {
        while (loading.get()) {
            Answer a = send("GET", "/history?username=c" + ThreadLocalRandom.current().nextInt(CUSTOMERS), null, null);
            if (a.status() == 200 && !a.body().startsWith("[")) wrong("GET /history 200 " + a.body());
            if (a.status() == 503 && a.retryAfter() == null) wrong("GET /history 503 without Retry-After");
            if (a.status() != 200 && a.status() != 503 && a.status() != -1) wrong("GET /history " + a.status() + " " + a.body());
            pause(a);
        }
    }

    /** Reads every customer once the system says ready; a 200 missing an event acknowledged before the kill counts. */
    private int incompleteReads(Map<String, Set<String>> beforeKill) {
        int incomplete = 0;
        for (Map.Entry<String, Set<String>> customer : beforeKill.entrySet()) {
            while (true) {
                Answer a = send("GET", "/history?username=" + customer.getKey(), null, null);
                if (a.status() == 200) {
                    Set<String> ids = ids(a.body());
                    if (!ids.containsAll(customer.getValue())) {
                        incomplete++;
                        Set<String> missing = new HashSet<>(customer.getValue());
                        missing.removeAll(ids);
                        wrongSamples.add("after ready " + customer.getKey() + " missed " + missing.size() + " of "
                                + customer.getValue().size());
                    }
                    break;
                }
                if (a.status() != 503) {
                    wrong("GET /history after ready " + a.status() + " " + a.body());
                    break;
                }
                pause(a);
            }
        }
        return incomplete;
    }

    private int unknownRequests(Set<String> acceptedBeforeKill) {
        int unknown = 0;
        for (String id : acceptedBeforeKill) {
            Answer a = send("GET", "/fulfillment/" + id, null, null);
            while (a.status() == 503) {
                pause(a);
                a = send("GET", "/fulfillment/" + id, null, null);
            }
            if (a.status() != 200) {
                unknown++;
                wrongSamples.add("after ready GET /fulfillment/" + id + " " + a.status());
            }
        }
        return unknown;
    }

    /** What a client does after an outage: retry every unanswered request with the same id / key. */
    private void resolveUncertain() {
        TestSystems.await("unanswered events retried", Duration.ofSeconds(60), () -> {
            uncertainEvents.entrySet().removeIf(e -> postEvent(e.getValue(), e.getKey()));
            return uncertainEvents.isEmpty();
        });
        TestSystems.await("unanswered fulfillment requests retried", Duration.ofSeconds(60), () -> {
            uncertainRequests.entrySet().removeIf(e -> postFulfillment(e.getKey(), e.getValue()));
            return uncertainRequests.isEmpty();
        });
    }

    private void assertExactlyOnce(Path log) {
        Map<String, String> lastMisses = new ConcurrentHashMap<>();
        try {
            TestSystems.await("every acknowledged event in its timeline", Duration.ofSeconds(60), () -> {
                lastMisses.clear();
                acknowledged.forEach((customer, acked) -> {
                    Answer a = send("GET", "/history?username=" + customer, null, null);
                    Set<String> missing = new HashSet<>(acked);
                    missing.removeAll(ids(a.body()));
                    if (!missing.isEmpty()) lastMisses.put(customer, a.status() + " missing " + missing);
                });
                return lastMisses.isEmpty();
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last reads: " + lastMisses + " (system log " + log + ")", e);
        }
        for (Map.Entry<String, Set<String>> customer : acknowledged.entrySet()) {
            List<String> ids = idList(send("GET", "/history?username=" + customer.getKey(), null, null).body());
            assertThat(ids).as(customer.getKey()).doesNotHaveDuplicates();
            assertThat(new HashSet<>(ids)).as(customer.getKey()).containsAll(customer.getValue());
        }
    }

    private void assertFulfillmentsFinished() {
        Map<String, String> unfinished = new ConcurrentHashMap<>();
        try {
            TestSystems.await("every accepted request in a final state", Duration.ofSeconds(120), () -> {
                unfinished.clear();
                for (String id : accepted) {
                    Answer a = send("GET", "/fulfillment/" + id, null, null);
                    boolean done = a.status() == 200
                            && "succeeded".equals(Json.read(a.body().getBytes(), JsonNode.class).path("state").asText());
                    if (!done && unfinished.size() < 10) unfinished.put(id, a.status() + " " + a.body());
                }
                return unfinished.isEmpty();
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; not succeeded (first 10): " + unfinished
                    + "; the sink saw them succeed: " + unfinished.keySet().stream().filter(sinkSuccesses::containsKey).toList(), e);
        }
        for (String id : accepted) assertThat(sinkSuccesses).as("webhook called for " + id).containsKey(id);
        for (int f = 0; f < 20; f++) {
            List<String> ids = idList(send("GET", "/history?username=f" + f, null, null).body());
            assertThat(ids).as("fulfillment child events of f" + f).doesNotHaveDuplicates();
        }
        int repeated = (int) sinkSuccesses.values().stream().filter(n -> n.get() > 1).count();
        System.out.printf("chaos: %d requests succeeded, %d webhook successes repeated by a kill (at-least-once)%n",
                accepted.size(), repeated);
    }

    private void awaitReady(Path log) {
        TestSystems.await("the restarted system to report ready (log " + log + ")", Duration.ofSeconds(120),
                () -> send("GET", "/health/ready", null, null).status() == 200);
    }

    private Map<String, Set<String>> snapshot() {
        Map<String, Set<String>> copy = new HashMap<>();
        acknowledged.forEach((customer, ids) -> copy.put(customer, Set.copyOf(ids)));
        return copy;
    }

    private Answer send(String method, String path, String json, String idempotencyKey) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(15));
        if (idempotencyKey != null) b.header("Idempotency-Key", idempotencyKey);
        if (json != null) b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        else b.method(method, HttpRequest.BodyPublishers.noBody());
        try {
            HttpRequest request = b.build();
            HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            try {
                dev.history.common.openapi.OpenApiContract.get().checked(request, json, r, null);
            } catch (AssertionError contract) {
                // Counted with the other wrong answers (the load threads keep going; the test fails at the end).
                wrong(contract.getMessage());
            }
            return new Answer(r.statusCode(), r.body(), r.headers().firstValue("Retry-After").orElse(null));
        } catch (IOException e) {
            return Answer.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.FAILED;
        }
    }

    private void wrong(String what) {
        wrongAnswers.incrementAndGet();
        if (wrongSamples.size() < 20) wrongSamples.add(what);
    }

    /** Client pacing: back off after a failure (as a client would), and keep the fulfillment rate modest. */
    private static void pause(Answer a) {
        if (a.status() == 200 || a.status() == 202) return;
        try {
            Thread.sleep(a.status() == 0 ? 20 : 50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Set<String> ids(String body) {
        return new HashSet<>(idList(body));
    }

    private static List<String> idList(String body) {
        List<String> ids = new ArrayList<>();
        if (body == null || !body.startsWith("[")) return ids;
        Json.read(body.getBytes(), JsonNode.class).forEach(e -> ids.add(e.get("id").asText()));
        return ids;
    }

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }
}
