package dev.history.bench;

import dev.history.common.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Recovery at scale ({@code bench/restore}, docs/CAPACITY.md): for each state size, a broker and two
 * history-streams instances (one standby replica each) as separate processes; N events loaded straight
 * onto history-events; then
 * <ol>
 *   <li><b>failover with a standby</b>: {@code kill -9} of instance 1, timed until every sampled customer's
 *       timeline is answered complete (200, all its events) by instance 2;</li>
 *   <li><b>restore without a standby</b>: {@code kill -9} of instance 2 too, then instance 2 started alone
 *       on its state directory: exactly-once tasks without a checkpoint are wiped and restored from their
 *       changelogs; timed from the process start until {@code /health/ready} and complete reads.</li>
 * </ol>
 * Prints a table and writes bench/results/restore-&lt;timestamp&gt;.json.
 */
public final class RestoreBench {
    private static final String HOST = "127.0.0.1";
    private static final int PARTITIONS = 12;
    private static final int SAMPLES = 48;

    private final Path root;
    private final Path work;
    private final int eventsPerCustomer;
    private final String sessionTimeoutMs;
    private final String javaOpts;

    private RestoreBench(Path root, Path work, int eventsPerCustomer, String sessionTimeoutMs, String javaOpts) {
        this.root = root;
        this.work = work;
        this.eventsPerCustomer = eventsPerCustomer;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.javaOpts = javaOpts;
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("bench.root", "."));
        List<Long> sizes = args.length == 0 ? List.of(1_000_000L, 10_000_000L)
                : Stream.of(args).map(a -> Long.parseLong(a.replace("_", ""))).toList();
        int perCustomer = Integer.parseInt(System.getenv().getOrDefault("RESTORE_EVENTS_PER_CUSTOMER", "100"));
        String session = System.getenv().getOrDefault("KAFKA_CLIENT_SESSION_TIMEOUT_MS", "45000");
        String opts = System.getProperty("bench.systemJavaOpts", "-Xms512m -Xmx1g -XX:+UseG1GC");
        Path work = Files.createTempDirectory("restore-bench-");
        RestoreBench bench = new RestoreBench(root, work, perCustomer, session, opts);
        List<Map<String, Object>> runs = new ArrayList<>();
        try {
            for (long size : sizes) runs.add(bench.run(size));
        } finally {
            if (System.getenv("RESTORE_KEEP") == null) BenchMain.deleteRecursively(work);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("started", Instant.now().toString());
        result.put("cores", Runtime.getRuntime().availableProcessors());
        result.put("events_per_customer", perCustomer);
        result.put("session_timeout_ms", Long.parseLong(session));
        result.put("system_java_opts", opts);
        result.put("runs", runs);
        Path out = root.resolve("bench/results/restore-" + Instant.now().toString().replace(":", "") + ".json");
        Files.createDirectories(out.getParent());
        Files.write(out, Json.write(result));
        System.out.println();
        System.out.printf("%-12s %-12s %-12s %-14s %-14s %-14s %-14s %-16s %-10s%n", "events", "customers",
                "changelog MB", "changelog rec", "build ev/cpu-s", "failover r/w s", "restore s", "restore rec/cpu-s", "load avg");
        for (Map<String, Object> r : runs) {
            System.out.printf("%-12s %-12s %-12s %-14s %-14s %-14s %-14s %-16s %-10s%n", r.get("events"), r.get("customers"),
                    r.get("changelog_mb"), r.get("changelog_records"), r.get("build_events_per_streams_cpu_s"),
                    r.get("failover_with_standby_reads_s") + " / " + r.get("failover_with_standby_fresh_s"), r.get("restore_without_standby_s"),
                    r.get("restore_records_per_cpu_s"), r.get("load_average_5min"));
        }
        System.out.println("results: " + out);
    }

    private Map<String, Object> run(long events) throws Exception {
        long customers = Math.max(1, events / eventsPerCustomer);
        Path dir = work.resolve("n" + events);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("events", events);
        r.put("customers", customers);
        log("=== " + events + " events, " + customers + " customers (" + dir + ")");
        try (Child broker = startBroker(dir.resolve("kafka"))) {
            String bootstrap = broker.bootstrap;
            Child s1 = startStreams("streams-1", dir, bootstrap);
            Child s2 = startStreams("streams-2", dir, bootstrap);
            try {
                s1.awaitReady(300);
                s2.awaitReady(300);
                String topic = "history-events";
                long t0 = System.nanoTime();
                double cpu0 = s1.cpuSeconds() + s2.cpuSeconds();
                double brokerCpu0 = broker.cpuSeconds();
                double loadSeconds = load(bootstrap, topic, events, customers);
                r.put("load_events_per_s", round(events / loadSeconds));
                awaitCaughtUp(bootstrap, "history-streams", topic, 7200);
                double build = seconds(t0);
                double buildCpu = s1.cpuSeconds() + s2.cpuSeconds() - cpu0;
                r.put("build_seconds", round(build));
                r.put("build_events_per_s", round(events / build));
                r.put("build_streams_cpu_s", round(buildCpu));
                r.put("build_events_per_streams_cpu_s", round(events / buildCpu));
                r.put("build_broker_cpu_s", round(broker.cpuSeconds() - brokerCpu0));
                awaitStandbysInSync(List.of(s1, s2), 1800);
                r.put("standby_sync_seconds", round(seconds(t0) - build));
                long changelogBytes = changelogBytes(bootstrap);
                long changelogRecords = changelogRecords(bootstrap);
                r.put("changelog_mb", round(changelogBytes / 1e6));
                r.put("changelog_records", changelogRecords);
                r.put("rocksdb_on_disk_mb_per_instance", round((du(s1.dir.resolve("state")) + du(s2.dir.resolve("state"))) / 2 / 1e6));
                r.put("state_bytes_per_customer_per_replica", changelogBytes / customers);
                List<String> sample = sample(customers);
                long expected = eventsPerCustomer;
                awaitComplete(s2, sample, expected, 120); // every sampled read complete before the fault

                log("kill -9 streams-1 (instance 2 holds its standbys)");
                long kill = System.nanoTime();
                s1.kill();
                awaitComplete(s2, sample, expected, 1800);
                r.put("failover_with_standby_reads_s", round(seconds(kill)));
                // a write after the fault is visible once instance 2 runs the dead instance's tasks as active
                long written = System.nanoTime();
                try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
                    for (String u : sample) producer.send(new ProducerRecord<>(topic, u, Workload.recordValue(u, events + 1)));
                }
                awaitComplete(s2, sample, expected + 1, 1800);
                r.put("failover_with_standby_fresh_s", round(seconds(kill)));
                r.put("failover_with_standby_fresh_after_write_s", round(seconds(written)));

                log("kill -9 streams-2; start it alone on its state directory once the group has noticed");
                s2.kill();
                long killed = System.nanoTime();
                awaitNoMembers(bootstrap, "history-streams", 600);
                r.put("dead_member_noticed_s", round(seconds(killed)));
                long start = System.nanoTime();
                s2 = startStreams("streams-2", dir, bootstrap);
                s2.awaitAnswering(600);
                double answering = seconds(start);
                double cpuAnswering = s2.cpuSeconds();
                s2.awaitReady(7200);
                double ready = seconds(start);
                double restoreCpu = s2.cpuSeconds() - cpuAnswering;
                awaitComplete(s2, sample, expected + 1, 600);
                double restore = seconds(start);
                r.put("restart_until_http_answers_s", round(answering));
                r.put("restore_cpu_s", round(restoreCpu));
                r.put("restore_records_per_cpu_s", round(changelogRecords / restoreCpu));
                r.put("restore_without_standby_ready_s", round(ready));
                r.put("restore_without_standby_s", round(restore));
                r.put("restore_changelog_records_per_s", round(changelogRecords / restore));
                r.put("state_wiped_on_start", count(s2.log, "did not stop cleanly last time: wiping") > 0);
                r.put("load_average_5min", Files.readString(Path.of("/proc/loadavg")).split(" ")[1]);
            } finally {
                s1.close();
                s2.close();
            }
        } finally {
            if (System.getenv("RESTORE_KEEP") == null) BenchMain.deleteRecursively(dir);
        }
        log("result " + r);
        return r;
    }

    // ---------------------------------------------------------------- processes

    private Child startBroker(Path dir) throws Exception {
        Files.createDirectories(dir);
        int port = SystemProcess.freePort();
        int controller = SystemProcess.freePort();
        Properties p = new Properties();
        p.put("node.id", "1");
        p.put("process.roles", "broker,controller");
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controller);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.quorum.voters", "1@" + HOST + ":" + controller);
        p.put("log.dirs", dir.resolve("data").toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.cleaner.dedupe.buffer.size", "16777216");
        Path props = dir.resolve("server.properties");
        try (var w = Files.newBufferedWriter(props)) {
            p.store(w, "restore bench broker");
        }
        String bootstrap = HOST + ":" + port;
        ProcessBuilder pb = new ProcessBuilder(java(), "-Xms512m", "-Xmx1g", "-cp", standaloneClasspath(),
                "dev.history.kafka.BrokerMain", props.toString());
        pb.environment().put("CLUSTER_ID", Uuid.randomUuid().toString());
        Child broker = new Child("kafka", dir, pb, bootstrap, -1);
        ProcessBuilder await = new ProcessBuilder(java(), "-Xmx64m", "-cp", standaloneClasspath(),
                "dev.history.kafka.BrokerMain", "--await-brokers", "1", bootstrap, "120").inheritIO();
        if (await.start().waitFor() != 0) throw new IllegalStateException("broker did not start; see " + broker.log);
        return broker;
    }

    private Child startStreams(String name, Path parent, String bootstrap) throws Exception {
        Path dir = parent.resolve(name);
        Files.createDirectories(dir);
        int port = SystemProcess.freePort();
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(List.of(javaOpts.trim().split("\\s+")));
        command.addAll(List.of("-cp", standaloneClasspath(), "dev.history.streams.StreamsMain"));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.directory(dir.toFile());
        Map<String, String> env = pb.environment();
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("HTTP_PORT", Integer.toString(port));
        env.put("HTTP_HOST", HOST);
        env.put("ADVERTISED_HOST", HOST);
        env.put("AUTH", "none");
        env.put("DATA_DIR", dir.resolve("data").toString());
        env.put("STATE_DIR", dir.resolve("state").toString());
        env.put("NUM_STANDBY_REPLICAS", "1");
        env.put("TOPIC_PARTITIONS", Integer.toString(PARTITIONS));
        env.put("TOPIC_REPLICATION", "1");
        env.put("TOPIC_MIN_INSYNC_REPLICAS", "1");
        env.put("KAFKA_CLIENT_SESSION_TIMEOUT_MS", sessionTimeoutMs);
        env.remove("API_KEYS_FILE");
        return new Child(name, dir, pb, null, port);
    }

    /** A child process with its log file; {@link #kill()} is SIGKILL, {@link #close()} SIGTERM then SIGKILL. */
    private static final class Child implements AutoCloseable {
        final String name;
        final Path dir;
        final Path log;
        final String bootstrap;
        final int port;
        private final Process process;

        Child(String name, Path dir, ProcessBuilder pb, String bootstrap, int port) throws IOException {
            this.name = name;
            this.dir = dir;
            this.log = dir.resolve("out.log");
            this.bootstrap = bootstrap;
            this.port = port;
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            this.process = pb.start();
        }

        void awaitReady(int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (get("/health/ready").status() != 200) {
                if (!process.isAlive()) throw new IllegalStateException(name + " exited; see " + log);
                if (System.nanoTime() > deadline) throw new IllegalStateException(name + " not ready after " + seconds + " s; see " + log);
                Thread.sleep(100);
            }
        }

        /** Until its HTTP port answers (any status): the JVM has started and the service is set up. */
        void awaitAnswering(int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (get("/health/ready").status() == 0) {
                if (!process.isAlive()) throw new IllegalStateException(name + " exited; see " + log);
                if (System.nanoTime() > deadline) throw new IllegalStateException(name + " not answering after " + seconds + " s; see " + log);
                Thread.sleep(20);
            }
        }

        Http1.Response get(String path) {
            try (Http1 c = new Http1(HOST, port)) {
                return c.exchange(Http1.get(path, HOST));
            } catch (IOException e) {
                return new Http1.Response(0, new byte[0]);
            }
        }

        /** CPU seconds this process has used so far. */
        double cpuSeconds() {
            return Cpu.processCpuNanos(process.pid()) / 1e9;
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws InterruptedException {
            if (!process.isAlive()) return;
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) kill();
        }
    }

    // ---------------------------------------------------------------- load and waits

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private double load(String bootstrap, String topic, long events, long customers) throws Exception {
        long t0 = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            // customer-major order of events: customer c gets events c, c + customers, c + 2·customers, …
            for (long n = 0; n < events; n++) {
                String username = Workload.username("restore", n % customers);
                producer.send(new ProducerRecord<>(topic, username, Workload.recordValue(username, n)));
                if (n % 1_000_000 == 0 && n > 0) log("loaded " + n);
            }
            producer.flush();
        }
        double s = seconds(t0);
        log("loaded " + events + " events in " + round(s) + " s");
        return s;
    }

    private static void awaitCaughtUp(String bootstrap, String group, String topic, int timeoutSeconds) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            Map<TopicPartition, Long> end = BenchMain.endOffsets(admin, topic);
            long total = end.values().stream().mapToLong(Long::longValue).sum();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            long lastLog = System.nanoTime();
            while (!BenchMain.lagZero(admin, group, end)) {
                if (System.nanoTime() > deadline) throw new IllegalStateException(group + " did not catch up in " + timeoutSeconds + " s");
                if (System.nanoTime() - lastLog > 30e9) {
                    log("processing: committed " + BenchMain.committed(admin, group, topic) + " of " + total);
                    lastLog = System.nanoTime();
                }
                Thread.sleep(200);
            }
        }
    }

    /** Waits until the group coordinator has dropped every member (a killed one after its session timeout). */
    private static void awaitNoMembers(String bootstrap, String group, int timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        try (Admin admin = admin(bootstrap)) {
            while (!admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group).members().isEmpty()) {
                if (System.nanoTime() > deadline) throw new IllegalStateException(group + " still has members after " + timeoutSeconds + " s");
                Thread.sleep(100);
            }
        }
    }

    /**
     * Standby replicas follow the changelogs through each instance's restore consumer: in sync when its
     * per-partition lag ({@code /metrics}, kafka_consumer_fetch_manager_records_lag of the restore consumer)
     * is below one commit's worth of records everywhere.
     */
    private static void awaitStandbysInSync(List<Child> instances, int timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            double worst = 0;
            int seen = 0;
            for (Child c : instances) {
                String metrics = new String(c.get("/metrics").body(), StandardCharsets.UTF_8);
                for (String line : metrics.split("\n")) {
                    if (line.startsWith("kafka_consumer_fetch_manager_records_lag{") && line.contains("restore-consumer")
                            && line.contains("partition=")) {
                        seen++;
                        worst = Math.max(worst, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
                    }
                }
            }
            if (seen > 0 && worst < 1_000) {
                log("standbys in sync: " + seen + " changelog partitions, worst lag " + worst);
                return;
            }
            if (System.nanoTime() > deadline) throw new IllegalStateException("standbys not in sync: worst lag " + worst + " over " + seen);
            Thread.sleep(500);
        }
    }

    /** Waits until each sampled customer's timeline is answered 200 with all its events by {@code instance}. */
    private static void awaitComplete(Child instance, List<String> usernames, long expected, int timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        List<String> pending = new ArrayList<>(usernames);
        while (!pending.isEmpty()) {
            pending.removeIf(u -> {
                Http1.Response response = instance.get("/history?username=" + u);
                if (response.status() != 200) return false;
                int n = Workload.count(new String(response.body(), StandardCharsets.UTF_8), "\"id\":\"");
                if (n > expected) throw new IllegalStateException(u + " has " + n + " events, expected " + expected);
                return n == expected;
            });
            if (pending.isEmpty()) return;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(pending.size() + " customers incomplete at " + instance.name + ", e.g. " + pending.get(0));
            }
            Thread.sleep(50);
        }
    }

    /** Up to {@code SAMPLES} distinct customers spread over all of them (each gets one more event after the kill). */
    private static List<String> sample(long customers) {
        return LongStream.range(0, SAMPLES).map(i -> (customers - 1) * i / (SAMPLES - 1)).distinct()
                .mapToObj(n -> Workload.username("restore", n)).toList();
    }

    // ---------------------------------------------------------------- sizes

    private static long changelogBytes(String bootstrap) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            long bytes = 0;
            Map<Integer, Map<String, LogDirDescription>> dirs = admin.describeLogDirs(List.of(1)).allDescriptions().get(30, TimeUnit.SECONDS);
            for (LogDirDescription d : dirs.get(1).values()) {
                for (Map.Entry<TopicPartition, ReplicaInfo> e : d.replicaInfos().entrySet()) {
                    if (e.getKey().topic().endsWith("-changelog")) bytes += e.getValue().size();
                }
            }
            return bytes;
        }
    }

    private static long changelogRecords(String bootstrap) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            List<String> changelogs = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(t -> t.endsWith("-changelog")).toList();
            Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
            admin.describeTopics(changelogs).allTopicNames().get(30, TimeUnit.SECONDS).forEach((t, d) ->
                    d.partitions().forEach(p -> request.put(new TopicPartition(t, p.partition()), OffsetSpec.latest())));
            return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).values().stream().mapToLong(i -> i.offset()).sum();
        }
    }

    private static long du(Path dir) throws IOException {
        if (!Files.exists(dir)) return 0;
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        return Admin.create(p);
    }

    private String standaloneClasspath() {
        Path target = root.resolve("standalone/target");
        return target.resolve("standalone.jar") + ":" + target.resolve("lib") + "/*";
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static long count(Path file, String needle) throws IOException {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(l -> l.contains(needle)).count();
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static void log(String message) {
        System.err.println(Instant.now() + " " + message);
    }
}
