package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.history.common.Env;
import dev.history.common.http.HttpApp;
import dev.history.fulfillment.FulfillmentConfig;
import dev.history.fulfillment.FulfillmentRoutes;
import dev.history.fulfillment.FulfillmentService;
import io.javalin.Javalin;
import java.net.InetSocketAddress;
import java.nio.file.Files;
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
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import dev.history.query.StoreNames;
import dev.history.streams.StreamsMain;

/**
 * Scale-out and failover on one broker, with instances killed the hard way (SIGKILL of a child JVM):
 * nothing acknowledged is lost or duplicated, a read is complete (a standby answers only when provably complete) or a 503, and every
 * fulfillment request completes with duplicates only within what at-least-once allows.
 */
class FailoverTest {
    private static final int CUSTOMERS = 500;
    private static final int EVENTS_EACH = 6;

    @Test
    void killingAHistoryStreamsInstanceMidLoadLosesNothingAndReadsAreCompleteOr503() throws Exception {
        Map<String, String> env = failoverEnv("failover-streams");
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            TestHttp[] gateways = {TestServices.gateway(env, resources), TestServices.gateway(env, resources)};
            TestServices.Streams survivor = TestServices.streams(env, "b", resources);
            int victimPort = TestSystems.freePort();
            Map<String, String> victimEnv = new HashMap<>(env);
            victimEnv.put("HTTP_PORT", Integer.toString(victimPort));
            victimEnv.put("STATE_DIR", TestSystems.tempDir("streams-a").toString());
            ChildJvm victim = ChildJvm.start(StreamsMain.class.getName(), victimEnv, Files.createTempFile("streams-a", ".log"));
            resources.add(victim);
            TestServices.awaitReady(survivor.http());
            TestServices.awaitReady(new TestHttp(victimPort));

            Map<String, Set<String>> acknowledged = new ConcurrentHashMap<>();
            AtomicInteger acks = new AtomicInteger();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int writer = w;
                writers.add(new Thread(() -> {
                    for (int round = 0; round < EVENTS_EACH; round++) {
                        for (int c = writer; c < CUSTOMERS; c += 4) {
                            String id = "c" + c + "-e" + round;
                            String body = "{\"username\":\"c%d\",\"source\":\"ivr\",\"id\":\"%s\"}".formatted(c, id);
                            if (postUntilAcknowledged(gateways[(c + round) % 2], body)) {
                                acknowledged.computeIfAbsent("c" + c, k -> ConcurrentHashMap.newKeySet()).add(id);
                                acks.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            writers.forEach(Thread::start);

            TestSystems.await("a third of the load", Duration.ofSeconds(60), () -> acks.get() > CUSTOMERS * EVENTS_EACH / 3);
            HostInfo victimHost = new HostInfo("localhost", victimPort);
            List<String> ownedByVictim = new ArrayList<>();
            for (int c = 0; c < CUSTOMERS; c++) {
                if (victimHost.equals(survivor.service().streams()
                        .queryMetadataForKey(StoreNames.TIMELINE, "c" + c, Serdes.String().serializer()).activeHost())) {
                    ownedByVictim.add("c" + c);
                }
            }
            assertThat(ownedByVictim).as("the victim owns some customers").isNotEmpty();
            victim.kill();

            AtomicBoolean failingOver = new AtomicBoolean(true);
            AtomicInteger answered = new AtomicInteger();
            AtomicInteger fromStandby = new AtomicInteger();
            AtomicInteger incompleteStandby = new AtomicInteger();
            AtomicInteger unavailable = new AtomicInteger();
            AtomicInteger wrong = new AtomicInteger();
            Thread reader = new Thread(() -> {
                while (failingOver.get()) {
                    String customer = ownedByVictim.get(ThreadLocalRandom.current().nextInt(ownedByVictim.size()));
                    Set<String> acknowledgedBefore = Set.copyOf(acknowledged.getOrDefault(customer, Set.of()));
                    TestHttp.Response response = survivor.http().get("/history?username=" + customer);
                    if (response.status() == 200 && response.json().isArray()) {
                        answered.incrementAndGet();
                        if ("true".equals(response.header("X-History-Standby"))) {
                            fromStandby.incrementAndGet();
                            if (!new HashSet<>(response.eventIds()).containsAll(acknowledgedBefore)) incompleteStandby.incrementAndGet();
                        }
                    } else if (response.status() == 503 && response.header("Retry-After") != null) {
                        unavailable.incrementAndGet();
                    } else {
                        wrong.incrementAndGet();
                    }
                }
            });
            reader.start();
            for (Thread writer : writers) writer.join();
            awaitTimelines(survivor.http(), acknowledged);
            failingOver.set(false);
            reader.join();

            System.out.printf("streams failover: %d reads answered (%d from the standby), %d answered 503%n",
                    answered.get(), fromStandby.get(), unavailable.get());
            assertThat(acks.get()).isEqualTo(CUSTOMERS * EVENTS_EACH);
            assertThat(wrong.get()).as("reads that were neither an array nor 503").isZero();
            // A standby answers only when it provably holds everything acknowledged (issue 10: a standby answered
            // 200 without events acknowledged just before the owner died); under this continuing load it
            // usually cannot prove it, and the read is a 503 until the survivor has taken the tasks over.
            assertThat(incompleteStandby.get()).as("standby answers missing events acknowledged before the read "
                    + "(%d standby answers)", fromStandby.get()).isZero();
            for (Map.Entry<String, Set<String>> customer : acknowledged.entrySet()) {
                List<String> ids = survivor.http().get("/history?username=" + customer.getKey()).eventIds();
                assertThat(ids).as(customer.getKey()).doesNotHaveDuplicates();
                assertThat(new HashSet<>(ids)).as(customer.getKey()).isEqualTo(customer.getValue());
            }
        } finally {
            closeAll(resources);
        }
    }

    @Test
    void killingAWorkerMidDeliveryCompletesEveryRequestWithinAtLeastOnce() throws Exception {
        int requests = 300;
        int workerConcurrency = 16;
        Map<String, Integer> deliveries = new ConcurrentHashMap<>();
        HttpServer sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sink.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(32));
        sink.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            deliveries.merge(exchange.getRequestHeaders().getFirst("webhook-id"), 1, Integer::sum);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        sink.start();
        Map<String, String> env = TestSystems.withFulfillment(failoverEnv("failover-worker"), "failover-worker",
                "[{\"name\":\"Slow task\",\"url\":\"http://127.0.0.1:%d/hook\",\"active\":true}]"
                        .formatted(sink.getAddress().getPort()));
        env.put("FULFILLMENT_CONCURRENCY", Integer.toString(workerConcurrency));
        env.put("FULFILLMENT_PER_HOST_CONCURRENCY", Integer.toString(workerConcurrency));
        env.put("FULFILLMENT_RETRY_SCHEDULE", "200ms");
        // One state directory (status store, instance id) per worker instance.
        env.put("FULFILLMENT_STATE_DIR", TestSystems.tempDir("fulfillment-survivor").toString());
        List<AutoCloseable> resources = new ArrayList<>();
        resources.add(() -> sink.stop(0));
        try {
            FulfillmentService survivor = new FulfillmentService(FulfillmentConfig.from(Env.of(env)));
            resources.add(survivor);
            survivor.start();
            Javalin app = HttpApp.create(dev.history.common.http.HttpSettings.from(Env.of(env)),
                    new FulfillmentRoutes(survivor)).start(0);
            resources.add(app::stop);
            TestHttp http = new TestHttp(app.port());
            Map<String, String> victimEnv = new HashMap<>(env);
            victimEnv.put("HTTP_PORT", Integer.toString(TestSystems.freePort()));
            victimEnv.put("FULFILLMENT_STATE_DIR", TestSystems.tempDir("fulfillment-victim").toString());
            ChildJvm victim = ChildJvm.start("dev.history.fulfillment.WorkerMain", victimEnv, Files.createTempFile("worker-a", ".log"));
            resources.add(victim);
            TestServices.awaitReady(new TestHttp(Integer.parseInt(victimEnv.get("HTTP_PORT"))));
            TestSystems.await("survivor ready", Duration.ofSeconds(60), survivor::isReady);

            List<String> ids = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                TestHttp.Response accepted = http.postJson("/fulfillment",
                        "{\"task\":\"Slow task\",\"username\":\"w%d\",\"msisdn\":\"1\",\"preferredChannel\":\"sms\",\"eventParent\":\"\"}"
                                .formatted(i));
                assertThat(accepted.status()).isEqualTo(202);
                ids.add(accepted.json().get("id").asText());
            }
            TestSystems.await("deliveries under way", Duration.ofSeconds(60), () -> deliveries.size() > requests / 5);
            victim.kill();

            TestSystems.await("every request succeeded", Duration.ofSeconds(120), () -> ids.stream()
                    .allMatch(id -> "succeeded".equals(http.get("/fulfillment/" + id).json().path("state").asText())));
            assertThat(deliveries).hasSize(requests);
            int duplicates = deliveries.values().stream().mapToInt(n -> n - 1).sum();
            System.out.printf("worker failover: %d requests, %d repeat deliveries%n", requests, duplicates);
            assertThat(duplicates).as("repeat deliveries (at most what the killed worker had in flight)")
                    .isLessThanOrEqualTo(workerConcurrency);
        } finally {
            closeAll(resources);
        }
    }

    @Test
    void aWorkerKilledDuringBackoffStillMakesTheNextAttemptOnceAfterRestart() throws Exception {
        Map<String, Integer> statusByCall = new ConcurrentHashMap<>();
        List<String> deliveryIds = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sink.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            deliveryIds.add(exchange.getRequestHeaders().getFirst("webhook-id"));
            int status = deliveryIds.size() == 1 ? 500 : 200;
            statusByCall.put("call" + deliveryIds.size(), status);
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        sink.start();
        Map<String, String> env = TestSystems.withFulfillment(failoverEnv("backoff-kill"), "backoff-kill",
                "[{\"name\":\"Backoff task\",\"url\":\"http://127.0.0.1:%d/hook\",\"active\":true}]"
                        .formatted(sink.getAddress().getPort()));
        env.put("FULFILLMENT_RETRY_SCHEDULE", "8s");
        List<AutoCloseable> resources = new ArrayList<>();
        resources.add(() -> sink.stop(0));
        try {
            Map<String, String> firstEnv = new HashMap<>(env);
            firstEnv.put("HTTP_PORT", Integer.toString(TestSystems.freePort()));
            ChildJvm first = ChildJvm.start("dev.history.fulfillment.WorkerMain", firstEnv, Files.createTempFile("worker-1", ".log"));
            resources.add(first);
            TestHttp firstHttp = new TestHttp(Integer.parseInt(firstEnv.get("HTTP_PORT")));
            TestServices.awaitReady(firstHttp);
            String id = firstHttp.postJson("/fulfillment",
                    "{\"task\":\"Backoff task\",\"username\":\"kim\",\"msisdn\":\"1\",\"preferredChannel\":\"sms\",\"eventParent\":\"\"}")
                    .json().get("id").asText();
            TestSystems.await("first attempt failed and a retry is scheduled", Duration.ofSeconds(30),
                    () -> "retrying".equals(firstHttp.get("/fulfillment/" + id).json().path("state").asText()));

            first.kill();

            FulfillmentService restarted = new FulfillmentService(FulfillmentConfig.from(Env.of(env)));
            resources.add(restarted);
            restarted.start();
            TestSystems.await("restarted worker ready", Duration.ofSeconds(60), restarted::isReady);
            TestSystems.await("succeeded after the restart", Duration.ofSeconds(90),
                    () -> restarted.status(id).map(s -> "succeeded".equals(s.state())).orElse(false));
            Thread.sleep(2000); // a second execution would show up at the sink by now
            assertThat(deliveryIds).containsExactly(id, id);
            assertThat(statusByCall).containsEntry("call1", 500).containsEntry("call2", 200);
        } finally {
            closeAll(resources);
        }
    }

    private static Map<String, String> failoverEnv(String name) {
        Map<String, String> env = new HashMap<>(TestSystems.env(name));
        env.put("TOPIC_PARTITIONS", "12");
        env.put("NUM_STANDBY_REPLICAS", "1");
        env.put("KAFKA_REQUEST_TIMEOUT_MS", "5000");
        // A killed member is noticed after the session timeout: keep it short so the test is quick.
        env.put("KAFKA_CLIENT_SESSION_TIMEOUT_MS", "6000");
        env.put("KAFKA_CLIENT_HEARTBEAT_INTERVAL_MS", "1500");
        return env;
    }

    /** Like a real client: retries with the same id until the gateway acknowledges. */
    private static boolean postUntilAcknowledged(TestHttp gateway, String body) {
        for (int attempt = 0; attempt < 20; attempt++) {
            if (gateway.postJson("/history", body).status() == 200) return true;
        }
        return false;
    }

    private static void awaitTimelines(TestHttp reader, Map<String, Set<String>> acknowledged) {
        TestSystems.await("every acknowledged event visible", Duration.ofSeconds(120), () -> {
            for (Map.Entry<String, Set<String>> customer : acknowledged.entrySet()) {
                TestHttp.Response response = reader.get("/history?username=" + customer.getKey());
                if (response.status() != 200 || response.eventIds().size() < customer.getValue().size()) return false;
            }
            return true;
        });
    }


    private static void closeAll(List<AutoCloseable> resources) throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) resources.get(i).close();
    }
}
