package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.history.common.Json;
import dev.history.common.openapi.OpenApiContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;

/**
 * The production shape ({@code bin/pipeline cluster}: 3 KRaft brokers, 2 gateways, 2 history-streams, 2 workers
 * behind Caddy) broken on purpose under concurrent writes with client ids, fulfillment requests to a webhook sink
 * in this JVM, and reads through the proxy. Faults, one after the other: kill -9 of the active controller, then of
 * a second broker while the first is down (writes must answer 503, never 200), both restarted; kill -9 of a
 * history-streams instance, a gateway and a worker, restarted; a rolling restart (SIGTERM) of every broker and
 * service; a network partition of one broker (iptables on lo), healed.
 *
 * <p>Asserted: every acknowledged event is in its timeline exactly once; every read answered 200 that presented
 * the customer's latest write token, and every standby answer ({@code X-History-Standby}), held every event
 * acknowledged before the read was sent (a read without a token may lag: the contract gives read-your-writes
 * with the token); every other answer was a 503 with Retry-After (or no answer at all while the proxy had no
 * upstream); every exchange matches the OpenAPI document; every accepted fulfillment request ends succeeded
 * and the sink saw each webhook-id succeed once. Prints the counts and, per fault, how long writes and reads
 * through the proxy failed (time to recover).
 *
 * <p>Not part of {@code mvn verify} (the name ends in IT): {@code bash .ci/chaos} runs it after the build, as
 * {@code .ci/run} does. Needs root (iptables) and Caddy.
 */
class ClusterChaosIT {
    private static final Path ROOT = Path.of("").toAbsolutePath().getFileName().toString().equals("standalone")
            ? Path.of("").toAbsolutePath().getParent() : Path.of("").toAbsolutePath();
    private static final int CUSTOMERS = 60;
    private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(240); // loaded 2-core machines differ 3–4×
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    private record Answer(int status, String body, String retryAfter, String token, boolean standby) {
        static final Answer FAILED = new Answer(-1, "", null, null, false);
    }

    private record Ack(String id, long ackedAt) {}

    /** One probe: when it started, whether write and token read succeeded, else what failed (e.g. "write 503"). */
    private record Probe(long at, boolean ok, String failure) {}

    /** One fault: its name, when it was injected, when the next one started. */
    private static final class Phase {
        final String name;
        final long start = System.nanoTime();
        volatile long end = Long.MAX_VALUE;
        volatile long restartedAt = -1;

        Phase(String name) {
            this.name = name;
        }
    }

    // what clients were told
    private final Map<String, List<Ack>> acked = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> sent = new ConcurrentHashMap<>();
    private final Map<String, String> latestToken = new ConcurrentHashMap<>();
    private final Map<String, Long> latestOffset = new ConcurrentHashMap<>();
    private final Map<String, String> uncertainEvents = new ConcurrentHashMap<>();
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    private final Map<String, String> uncertainRequests = new ConcurrentHashMap<>();
    // counts
    private final AtomicInteger acks = new AtomicInteger();
    private final AtomicInteger writes503 = new AtomicInteger();
    private final AtomicInteger reads200 = new AtomicInteger();
    private final AtomicInteger reads503 = new AtomicInteger();
    private final AtomicInteger tokenReads200 = new AtomicInteger();
    private final AtomicInteger standbyAnswers = new AtomicInteger();
    private final AtomicInteger laggingTokenless = new AtomicInteger();
    private final AtomicLong maxTokenlessLagMs = new AtomicLong();
    private final AtomicInteger fulfillment503 = new AtomicInteger();
    private final AtomicInteger noAnswer = new AtomicInteger();
    private final AtomicInteger wrongAnswers = new AtomicInteger();
    private final AtomicInteger falseAcks = new AtomicInteger();
    private final AtomicInteger writesWhileTwoBrokersDown = new AtomicInteger();
    private final List<String> wrongSamples = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, AtomicInteger> sinkSuccesses = new ConcurrentHashMap<>();
    private final Map<String, Long> firstSuccessAt = new ConcurrentHashMap<>();
    /** webhook-id → the webhook-attempt values the sink answered with success. */
    private final Map<String, Set<String>> successAttempts = new ConcurrentHashMap<>();
    private final List<String> duplicatePhases = new CopyOnWriteArrayList<>();
    private final long wallStart = System.currentTimeMillis();
    private final long nanoStart = System.nanoTime();
    private final List<Probe> probes = new CopyOnWriteArrayList<>();
    private final List<Phase> phases = new CopyOnWriteArrayList<>();
    private final AtomicBoolean loading = new AtomicBoolean(true);
    /** While two brokers are down (min.insync.replicas cannot be met): a write sent then must not answer 200. */
    private volatile long twoDownFrom = Long.MAX_VALUE;
    private volatile long twoDownUntil = Long.MAX_VALUE;

    private Map<String, String> clusterEnv;
    private Path clusterLog;
    private int proxyPort;
    private int basePort;

    @Test
    void brokersServicesAndTheNetworkFailUnderLoadWithoutALostDuplicatedOrWrongAnswer() throws Exception {
        long testStart = System.nanoTime();
        HttpServer sink = sink();
        Path dir = ROOT.resolve("standalone/target/chaos-cluster");
        deleteRecursively(dir);
        Files.createDirectories(dir);
        clusterLog = ROOT.resolve("standalone/target/chaos-cluster.log");
        Files.deleteIfExists(clusterLog);
        Path tasks = dir.resolve("chaos-tasks.json");
        Files.writeString(tasks, """
                [{"name":"Send statement","url":"http://127.0.0.1:%d/hook","active":true}]""".formatted(sink.getAddress().getPort()));
        basePort = freeBase();
        proxyPort = basePort + 200;
        clusterEnv = new HashMap<>();
        clusterEnv.put("CLUSTER_DIR", dir.toString());
        clusterEnv.put("CLUSTER_BASE_PORT", Integer.toString(basePort));
        clusterEnv.put("CLUSTER_PORT", Integer.toString(proxyPort));
        clusterEnv.put("CLUSTER_JAVA_OPTS", System.getenv().getOrDefault("CHAOS_JAVA_OPTS", "-Xms32m -Xmx256m -XX:+UseSerialGC"));
        clusterEnv.put("CLUSTER_READY_TIMEOUT", "240");
        clusterEnv.put("CLUSTER_STOP_TIMEOUT", "20");
        clusterEnv.put("CLUSTER_FULFILLMENT_TASKS_FILE", tasks.toString());
        // .ci/chaos packages the jars first; no build may start in the middle of a fault
        clusterEnv.put("PIPELINE_BUILD", "never");
        clusterEnv.put("WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8");
        clusterEnv.put("FULFILLMENT_RETRY_SCHEDULE", "300ms");
        // A killed member leaves its groups after 10 s instead of 45 s: keeps the run short (see docs/OPERATIONS.md).
        clusterEnv.put("KAFKA_CLIENT_SESSION_TIMEOUT_MS", "10000");
        List<Thread> load = new ArrayList<>();
        try {
            long upStart = System.nanoTime();
            cluster(Duration.ofMinutes(5), "up");
            long upMs = ms(System.nanoTime() - upStart);
            String firstDirectoryWrite = firstDirectoryWrite();
            System.out.printf("chaos: cluster up in %d ms; first POST /userdata: %s%n", upMs, firstDirectoryWrite);

            for (int w = 0; w < 2; w++) load.add(thread("writer-" + w, this::writeEvents));
            load.add(thread("fulfillment", this::requestFulfillment));
            for (int r = 0; r < 2; r++) load.add(thread("reader-" + r, this::readConcurrently));
            load.add(thread("probe", this::probe));
            load.forEach(Thread::start);
            await("load running", Duration.ofSeconds(60), () -> acks.get() >= 200 && !accepted.isEmpty());

            // 1. kill -9 the active controller, 2. a second broker while it is down, restart both
            int controller = activeController();
            String first = "kafka-" + controller;
            String second = "kafka-" + (controller % 3 + 1);
            Phase killController = phase("kill -9 " + first + " (active controller)");
            cluster(Duration.ofSeconds(30), "kill", first);
            awaitRecovered(killController);
            Phase killSecond = phase("kill -9 " + second + " too (2 of 3 brokers down)");
            cluster(Duration.ofSeconds(30), "kill", second);
            await(second + " gone", Duration.ofSeconds(10), () -> !TestSystems.accepts(basePort + Integer.parseInt(second.substring(6))));
            twoDownFrom = System.nanoTime();
            int before = writes503.get();
            await("writes answered 503 while 2 of 3 brokers are down", Duration.ofSeconds(60), () -> writes503.get() >= before + 5);
            twoDownUntil = System.nanoTime();
            killSecond.restartedAt = System.nanoTime();
            cluster(Duration.ofSeconds(120), "start", first);
            cluster(Duration.ofSeconds(120), "start", second);
            awaitFullIsr();
            awaitRecovered(killSecond);

            // 3. kill -9 one history-streams instance, one gateway, one worker; restart them
            Phase killServices = phase("kill -9 streams-1, gateway-1, worker-1");
            for (String name : List.of("streams-1", "gateway-1", "worker-1")) cluster(Duration.ofSeconds(30), "kill", name);
            killServices.restartedAt = System.nanoTime();
            inParallel("start", List.of("streams-1", "gateway-1", "worker-1"));
            awaitRecovered(killServices);

            // 4. rolling restart: SIGTERM one broker at a time, each back with its replicas in sync before the next;
            // then the services as a deployment rolls them: one instance of every service at a time (each service
            // keeps its other instance up), the first ones back before the second ones go
            for (List<String> names : List.of(List.of("kafka-1"), List.of("kafka-2"), List.of("kafka-3"),
                    List.of("gateway-1", "streams-1", "worker-1"), List.of("gateway-2", "streams-2", "worker-2"))) {
                Phase step = phase("rolling restart: SIGTERM " + String.join(", ", names));
                inParallel("stop", names);
                step.restartedAt = System.nanoTime();
                inParallel("start", names);
                if (names.get(0).startsWith("kafka")) awaitFullIsr();
                awaitRecovered(step);
            }

            // 5. a partition: one broker (not the controller) unreachable on its ports for 20 s, then healed
            String isolated = "kafka-" + (activeController() % 3 + 1);
            Phase partition = phase("partition " + isolated + " for 20 s (iptables on lo)");
            try {
                cluster(Duration.ofSeconds(30), "isolate", isolated);
                long healAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                await("the partition's duration", Duration.ofSeconds(30), () -> System.nanoTime() >= healAt);
            } finally {
                cluster(Duration.ofSeconds(30), "heal");
            }
            partition.restartedAt = System.nanoTime();
            awaitFullIsr();
            awaitRecovered(partition);
            phases.get(phases.size() - 1).end = System.nanoTime();

            loading.set(false);
            for (Thread t : load) t.join(30_000);
            resolveUncertain();
            int[] lostAndDuplicated = checkTimelines();
            int[] fulfillment = checkFulfillment();

            printReport(upMs, firstDirectoryWrite, lostAndDuplicated, fulfillment, ms(System.nanoTime() - testStart));
            assertThat(wrongAnswers.get()).as("wrong answers: %s", wrongSamples).isZero();
            assertThat(falseAcks.get()).as("writes answered 200 while 2 of 3 brokers were down").isZero();
            assertThat(lostAndDuplicated[0]).as("acknowledged events missing from their timeline").isZero();
            assertThat(lostAndDuplicated[1]).as("events twice in their timeline").isZero();
            assertThat(fulfillment[0]).as("accepted requests not succeeded").isZero();
            assertThat(fulfillment[1]).as("accepted requests the sink never saw succeed").isZero();
            assertThat(fulfillment[2]).as("webhook-ids that succeeded under two different attempts (a retry of a success)").isZero();
        } finally {
            loading.set(false);
            for (Thread t : load) t.join(10_000);
            cluster(Duration.ofSeconds(30), "heal");
            cluster(Duration.ofSeconds(180), "down");
            sink.stop(0);
        }
    }

    // ---- faults and recovery

    /** The fault phase a wall-clock instant fell in. */
    private String phaseAt(long epochMs) {
        long nanos = nanoStart + TimeUnit.MILLISECONDS.toNanos(epochMs - wallStart);
        String name = "before the first fault";
        for (Phase p : phases) if (p.start <= nanos) name = p.name;
        return name;
    }

    private Phase phase(String name) {
        if (!phases.isEmpty()) phases.get(phases.size() - 1).end = System.nanoTime();
        Phase p = new Phase(name);
        phases.add(p);
        System.out.printf("chaos: %s (%d acknowledged so far)%n", name, acks.get());
        return p;
    }

    /** Until the probe (a write and a token read of it through the proxy) succeeds twice in a row after the fault. */
    private void awaitRecovered(Phase phase) {
        await("recovery from: " + phase.name, RECOVERY_LIMIT, () -> {
            List<Probe> after = probes.stream().filter(p -> p.at() > Math.max(phase.start, phase.restartedAt)).toList();
            return after.size() >= 2 && after.get(after.size() - 1).ok() && after.get(after.size() - 2).ok();
        });
    }

    /** From the fault until the first successful probe after the last failed one; 0 when no probe failed. */
    private long recoveryMs(Phase phase) {
        long lastFailure = -1;
        for (Probe p : probes) if (p.at() >= phase.start && p.at() < phase.end && !p.ok()) lastFailure = p.at();
        if (lastFailure < 0) return 0;
        for (Probe p : probes) if (p.at() > lastFailure && p.ok()) return ms(p.at() - phase.start);
        return -1;
    }

    private int activeController() throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        try (Admin admin = Admin.create(props)) {
            return admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
        }
    }

    /** Every partition of every topic has all its replicas in sync (a rolling restart waits for it between brokers). */
    private void awaitFullIsr() throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin admin = Admin.create(props)) {
            await("every replica in sync", Duration.ofSeconds(120), () -> {
                try {
                    Set<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
                    for (TopicDescription d : admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
                        if (d.partitions().stream().anyMatch(p -> p.isr().size() < p.replicas().size())) return false;
                    }
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    /** {@code bin/pipeline cluster COMMAND NAME} for each name at once (stop: SIGTERM and wait; start: until ready). */
    private void inParallel(String command, List<String> names) throws Exception {
        List<Process> running = new ArrayList<>();
        for (String name : names) running.add(clusterProcess(command, name));
        for (int i = 0; i < running.size(); i++) {
            Process p = running.get(i);
            if (!p.waitFor(240, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("cluster " + command + " " + names.get(i) + " did not finish (log " + clusterLog + ")");
            }
            assertThat(p.exitValue()).as("cluster " + command + " " + names.get(i) + " (log " + clusterLog + ")").isZero();
        }
    }

    private void cluster(Duration timeout, String... args) throws Exception {
        Process p = clusterProcess(args);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/pipeline cluster " + String.join(" ", args) + " took over " + timeout + " (log " + clusterLog + ")");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("bin/pipeline cluster " + String.join(" ", args) + " failed (exit " + p.exitValue()
                    + "): " + tail(clusterLog));
        }
    }

    private Process clusterProcess(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("bin/pipeline").toString(), "cluster"));
        command.addAll(List.of(args));
        Files.writeString(clusterLog, "$ bin/pipeline cluster " + String.join(" ", args) + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder b = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(clusterLog.toFile()));
        b.environment().putAll(clusterEnv);
        return b.start();
    }

    private String bootstrap() {
        return "127.0.0.1:" + (basePort + 1) + ",127.0.0.1:" + (basePort + 2) + ",127.0.0.1:" + (basePort + 3);
    }

    // ---- load

    /** Problem (c) of issue 10: the first directory write on a fresh cluster; a 503 must carry Retry-After and a retry succeeds. */
    private String firstDirectoryWrite() {
        String body = "{\"username\":\"first\",\"ani\":\"+44 20 7946 0999\",\"email\":\"first@example.com\"}";
        List<String> outcome = new ArrayList<>();
        long start = System.nanoTime();
        for (int attempt = 0; attempt < 20; attempt++) {
            long t = System.nanoTime();
            Answer a = send("POST", "/userdata", body, null, null);
            outcome.add(a.status() + " in " + ms(System.nanoTime() - t) + " ms");
            if (a.status() == 200) break;
            if (a.status() == 503 && a.retryAfter() == null) wrong("POST /userdata 503 without Retry-After");
            if (a.status() != 503 && a.status() != -1) wrong("POST /userdata " + a.status() + " " + a.body());
            sleep(1000);
        }
        assertThat(outcome.get(outcome.size() - 1)).as("first directory write, retried: %s", outcome).startsWith("200");
        return String.join(", then ", outcome) + " (" + ms(System.nanoTime() - start) + " ms in all)";
    }

    private void writeEvents() {
        AtomicLong seq = new AtomicLong();
        String writer = Thread.currentThread().getName();
        while (loading.get()) {
            String customer = "c" + ThreadLocalRandom.current().nextInt(CUSTOMERS);
            String id = writer + "-" + seq.incrementAndGet();
            if (!postEvent(customer, id)) uncertainEvents.put(id, customer);
            sleep(15);
        }
    }

    /** True once acknowledged; false when unanswered or 503 (retried later with the same id, as a client would). */
    private boolean postEvent(String customer, String id) {
        sent.computeIfAbsent(customer, k -> ConcurrentHashMap.newKeySet()).add(id);
        long sentAt = System.nanoTime();
        boolean twoDown = sentAt > twoDownFrom && sentAt < twoDownUntil;
        Answer a = send("POST", "/history", "{\"username\":\"%s\",\"source\":\"ivr\",\"id\":\"%s\",\"note\":\"chaos\"}"
                .formatted(customer, id), null, null);
        if (twoDown) writesWhileTwoBrokersDown.incrementAndGet();
        if (a.status() == 200) {
            if (twoDown) {
                falseAcks.incrementAndGet();
                wrong("POST /history 200 while 2 of 3 brokers were down: " + id);
            }
            acked.computeIfAbsent(customer, k -> new CopyOnWriteArrayList<>()).add(new Ack(id, System.nanoTime()));
            if (a.token() != null) {
                long offset = Long.parseLong(a.token().substring(a.token().lastIndexOf(':') + 1));
                latestOffset.merge(customer, offset, Math::max);
                if (latestOffset.get(customer) == offset) latestToken.put(customer, a.token());
            }
            acks.incrementAndGet();
            return true;
        }
        if (a.status() == 503) {
            writes503.incrementAndGet();
            if (a.retryAfter() == null) wrong("POST /history 503 without Retry-After");
        } else if (a.status() == -1) {
            noAnswer.incrementAndGet();
        } else {
            wrong("POST /history " + a.status() + " " + a.body());
        }
        sleep(100);
        return false;
    }

    private void requestFulfillment() {
        int n = 0;
        while (loading.get()) {
            String key = "req-" + (++n);
            String body = "{\"task\":\"Send statement\",\"username\":\"f%d\",\"msisdn\":\"+100%d\",\"eventParent\":\"\"}"
                    .formatted(n % 10, n);
            if (!postFulfillment(key, body)) uncertainRequests.put(key, body);
            sleep(150);
        }
    }

    private boolean postFulfillment(String key, String body) {
        Answer a = send("POST", "/fulfillment", body, key, null);
        if (a.status() == 202) {
            accepted.add(Json.read(a.body().getBytes(), JsonNode.class).get("id").asText());
            return true;
        }
        if (a.status() == 503) {
            fulfillment503.incrementAndGet();
            if (a.retryAfter() == null) wrong("POST /fulfillment 503 without Retry-After");
        } else if (a.status() == -1) {
            noAnswer.incrementAndGet();
        } else {
            wrong("POST /fulfillment " + a.status() + " " + a.body());
        }
        return false;
    }

    /**
     * Reads through the proxy, every other one with the customer's latest write token. Complete = every event
     * acknowledged before the request was sent; required of token reads and of standby answers.
     */
    private void readConcurrently() {
        boolean withToken = Thread.currentThread().getName().endsWith("0");
        while (loading.get()) {
            String customer = "c" + ThreadLocalRandom.current().nextInt(CUSTOMERS);
            List<Ack> before = List.copyOf(acked.getOrDefault(customer, List.of()));
            String token = withToken ? latestToken.get(customer) : null;
            long sentAt = System.nanoTime();
            Answer a = send("GET", "/history?username=" + customer, null, null, token);
            if (a.status() == 200) {
                reads200.incrementAndGet();
                if (token != null) tokenReads200.incrementAndGet();
                if (a.standby()) standbyAnswers.incrementAndGet();
                List<String> ids = idList(a.body());
                if (new HashSet<>(ids).size() != ids.size()) wrong("GET /history " + customer + ": an event twice");
                Set<String> foreign = new HashSet<>(ids);
                foreign.removeAll(sent.getOrDefault(customer, Set.of()));
                if (!foreign.isEmpty()) wrong("GET /history " + customer + ": events never written for it " + foreign);
                Set<String> have = new HashSet<>(ids);
                List<Ack> missing = before.stream().filter(ack -> !have.contains(ack.id())).toList();
                if (!missing.isEmpty()) {
                    if (token != null || a.standby()) {
                        wrong("GET /history " + customer + (a.standby() ? " (standby)" : " (with token)") + " missed "
                                + missing.size() + " acknowledged event(s), e.g. " + missing.get(0).id() + " acknowledged "
                                + ms(sentAt - missing.get(0).ackedAt()) + " ms before the read");
                    } else {
                        laggingTokenless.incrementAndGet();
                        maxTokenlessLagMs.accumulateAndGet(ms(sentAt - missing.get(0).ackedAt()), Math::max);
                    }
                }
            } else if (a.status() == 503) {
                reads503.incrementAndGet();
                if (a.retryAfter() == null) wrong("GET /history 503 without Retry-After");
                sleep(100);
            } else if (a.status() == -1) {
                noAnswer.incrementAndGet();
                sleep(100);
            } else {
                wrong("GET /history " + a.status() + " " + a.body());
            }
            sleep(20);
        }
    }

    /** The recovery probe: a write, then a read with its token, through the proxy, every 250 ms. */
    private void probe() {
        int n = 0;
        while (loading.get()) {
            long at = System.nanoTime();
            String id = "probe-" + (++n);
            String customer = "probe" + (n % 4);
            sent.computeIfAbsent(customer, k -> ConcurrentHashMap.newKeySet()).add(id);
            Answer w = send("POST", "/history", "{\"username\":\"%s\",\"source\":\"bot\",\"id\":\"%s\"}".formatted(customer, id),
                    null, null);
            boolean ok = false;
            String failure = "write " + w.status();
            if (w.status() == 200) {
                acked.computeIfAbsent(customer, k -> new CopyOnWriteArrayList<>()).add(new Ack(id, System.nanoTime()));
                Answer r = send("GET", "/history?username=" + customer, null, null, w.token());
                ok = r.status() == 200 && idList(r.body()).contains(id);
                if (r.status() == 200 && !ok) wrong("probe read with token missed " + id);
                failure = ok ? null : "read " + r.status();
            } else if (w.status() == 503 || w.status() == -1) {
                uncertainEvents.put(id, customer);
            }
            probes.add(new Probe(at, ok, failure));
            long next = at + TimeUnit.MILLISECONDS.toNanos(250);
            while (System.nanoTime() < next) sleep(10);
        }
    }

    /** Succeeds, except the first attempt of every other request (so retries cross the faults too); records successes per webhook-id. */
    private HttpServer sink() throws IOException {
        HttpServer sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sink.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
        sink.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            String attempt = exchange.getRequestHeaders().getFirst("webhook-attempt");
            boolean fail = "1".equals(attempt) && (id.hashCode() & 1) == 0;
            if (!fail) {
                sinkSuccesses.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                firstSuccessAt.putIfAbsent(id, System.currentTimeMillis());
                successAttempts.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(String.valueOf(attempt));
            }
            exchange.sendResponseHeaders(fail ? 503 : 204, -1);
            exchange.close();
        });
        sink.start();
        return sink;
    }

    // ---- final checks

    private void resolveUncertain() {
        await("unanswered events retried with their ids", Duration.ofSeconds(120), () -> {
            uncertainEvents.entrySet().removeIf(e -> postEvent(e.getValue(), e.getKey()));
            return uncertainEvents.isEmpty();
        });
        await("unanswered fulfillment requests retried with their keys", Duration.ofSeconds(120), () -> {
            uncertainRequests.entrySet().removeIf(e -> postFulfillment(e.getKey(), e.getValue()));
            return uncertainRequests.isEmpty();
        });
    }

    /** {lost, duplicated}: each customer read with its latest token (complete by contract), compared with what was acknowledged. */
    private int[] checkTimelines() {
        int lost = 0;
        int duplicated = 0;
        for (Map.Entry<String, List<Ack>> customer : acked.entrySet()) {
            String token = latestToken.get(customer.getKey());
            Answer a = Answer.FAILED;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (a.status() != 200 && System.nanoTime() < deadline) {
                a = send("GET", "/history?username=" + customer.getKey() + "&limit=10000", null, null, token);
                if (a.status() != 200) sleep(200);
            }
            assertThat(a.status()).as("final read of " + customer.getKey()).isEqualTo(200);
            List<String> ids = idList(a.body());
            Map<String, Integer> counts = new HashMap<>();
            ids.forEach(id -> counts.merge(id, 1, Integer::sum));
            for (Ack ack : customer.getValue()) {
                Integer n = counts.get(ack.id());
                if (n == null) {
                    lost++;
                    if (wrongSamples.size() < 20) wrongSamples.add("lost " + ack.id() + " of " + customer.getKey());
                }
            }
            for (Map.Entry<String, Integer> c : counts.entrySet()) if (c.getValue() > 1) duplicated++;
        }
        return new int[] {lost, duplicated};
    }

    /**
     * {not succeeded, never delivered, duplicated successes, repeated in all}. A success repeated with the same
     * {@code webhook-id} and {@code webhook-attempt} is the documented at-least-once window (the call ran, its
     * outcome did not commit: a kill, a fenced transaction): the receiver dedupes it, so it is counted and
     * reported, not failed. A success under another attempt after an earlier success means the worker retried
     * something that had succeeded: a real duplicate.
     */
    private int[] checkFulfillment() {
        Map<String, String> states = new ConcurrentHashMap<>();
        try {
            await("every accepted request in a final state", Duration.ofSeconds(120), () -> {
                for (String id : accepted) {
                    if ("succeeded".equals(states.get(id))) continue;
                    Answer a = send("GET", "/fulfillment/" + id, null, null, null);
                    if (a.status() == 200) states.put(id, Json.read(a.body().getBytes(), JsonNode.class).path("state").asText());
                }
                return accepted.stream().allMatch(id -> "succeeded".equals(states.get(id)));
            });
        } catch (AssertionError e) {
            System.out.println("chaos: requests not succeeded: " + accepted.stream().filter(id -> !"succeeded".equals(states.get(id))).toList());
        }
        int notSucceeded = (int) accepted.stream().filter(id -> !"succeeded".equals(states.get(id))).count();
        int neverDelivered = (int) accepted.stream().filter(id -> !sinkSuccesses.containsKey(id)).count();
        int repeated = 0;
        int unexplained = 0;
        for (Map.Entry<String, AtomicInteger> s : sinkSuccesses.entrySet()) {
            if (s.getValue().get() <= 1) continue;
            repeated++;
            long first = firstSuccessAt.get(s.getKey());
            Set<String> attempts = successAttempts.getOrDefault(s.getKey(), Set.of());
            duplicatePhases.add(s.getKey() + " x" + s.getValue().get() + " attempts " + attempts + " in '" + phaseAt(first) + "'");
            if (attempts.size() > 1) unexplained++;
        }
        return new int[] {notSucceeded, neverDelivered, unexplained, repeated};
    }

    private void printReport(long upMs, String firstDirectoryWrite, int[] lostAndDuplicated, int[] fulfillment, long totalMs) {
        StringBuilder out = new StringBuilder("\n==== cluster chaos report ====\n");
        out.append(String.format("cluster up (fresh): %d ms; first POST /userdata: %s%n", upMs, firstDirectoryWrite));
        out.append(String.format("writes: acknowledged=%d 503=%d (sent while 2 of 3 brokers were down: %d, answered 200: %d)%n",
                acks.get(), writes503.get(), writesWhileTwoBrokersDown.get(), falseAcks.get()));
        out.append(String.format("reads: 200=%d (with token %d, standby %d) 503=%d; tokenless 200s lagging behind acknowledged "
                + "writes=%d (max lag %d ms)%n", reads200.get(), tokenReads200.get(), standbyAnswers.get(), reads503.get(),
                laggingTokenless.get(), maxTokenlessLagMs.get()));
        out.append(String.format("fulfillment: accepted=%d 503=%d not-succeeded=%d never-delivered=%d webhook-ids succeeded "
                + "twice=%d (unexplained by a worker kill -9: %d) %s%n", accepted.size(), fulfillment503.get(), fulfillment[0],
                fulfillment[1], fulfillment[3], fulfillment[2], duplicatePhases));
        out.append(String.format("no answer (connection failed/timed out)=%d; wrong answers=%d; lost=%d; duplicates=%d%n",
                noAnswer.get(), wrongAnswers.get(), lostAndDuplicated[0], lostAndDuplicated[1]));
        out.append("time to recover (fault -> writes and token reads through the proxy succeed again):\n");
        for (Phase p : phases) {
            long failed = probes.stream().filter(x -> x.at() >= p.start && x.at() < p.end && !x.ok()).count();
            long total = probes.stream().filter(x -> x.at() >= p.start && x.at() < p.end).count();
            Map<String, Long> why = new java.util.TreeMap<>();
            probes.stream().filter(x -> x.at() >= p.start && x.at() < p.end && !x.ok())
                    .forEach(x -> why.merge(x.failure(), 1L, Long::sum));
            out.append(String.format("  %-52s %7d ms  (failed probes %d of %d: %s)%n", p.name, recoveryMs(p), failed, total, why));
        }
        out.append(String.format("total %d ms%nwrong answers by kind: %s%nsamples: %s%n", totalMs, wrongKinds, wrongSamples));
        System.out.print(out);
        try {
            Files.writeString(ROOT.resolve("standalone/target/chaos-report.txt"), out.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- HTTP and helpers

    private Answer send(String method, String path, String json, String idempotencyKey, String consistencyToken) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + path))
                .timeout(Duration.ofSeconds(20));
        if (idempotencyKey != null) b.header("Idempotency-Key", idempotencyKey);
        if (consistencyToken != null) b.header("Consistency-Token", consistencyToken);
        if (json != null) b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        else b.method(method, HttpRequest.BodyPublishers.noBody());
        try {
            HttpRequest request = b.build();
            HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            try {
                OpenApiContract.get().checked(request, json, r, null);
            } catch (AssertionError contract) {
                wrong(contract.getMessage());
            }
            return new Answer(r.statusCode(), r.body(), r.headers().firstValue("Retry-After").orElse(null),
                    r.headers().firstValue("Consistency-Token").orElse(null),
                    "true".equals(r.headers().firstValue("X-History-Standby").orElse(null)));
        } catch (IOException e) {
            return Answer.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.FAILED;
        }
    }

    private final Map<String, AtomicInteger> wrongKinds = new ConcurrentHashMap<>();

    private void wrong(String what) {
        wrongKinds.computeIfAbsent(what.replaceAll("c\\d+|[0-9a-f-]{8,}|\\d+", "#").lines().findFirst().orElse(what),
                k -> new AtomicInteger()).incrementAndGet();
        wrongAnswers.incrementAndGet();
        if (wrongSamples.size() < 20) wrongSamples.add("[during: " + phaseAt(System.currentTimeMillis()) + "] " + what);
    }

    private static List<String> idList(String body) {
        List<String> ids = new ArrayList<>();
        if (body == null || !body.startsWith("[")) return ids;
        Json.read(body.getBytes(), JsonNode.class).forEach(e -> ids.add(e.get("id").asText()));
        return ids;
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            sleep(100);
        }
    }

    /** A base port whose whole layout (brokers, controllers, services, proxy at base+200) is free. */
    private static int freeBase() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = 20_000 + ThreadLocalRandom.current().nextInt(120) * 100; // below the ephemeral range (32768+)
            List<Integer> ports = new ArrayList<>(List.of(1, 2, 3, 101, 102, 103, 11, 12, 21, 22, 31, 32, 200));
            if (ports.stream().allMatch(p -> free(base + p))) return base;
        }
        throw new AssertionError("no free port range for the cluster");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }
}
