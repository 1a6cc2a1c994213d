package dev.history.bench;

import dev.history.common.Env;
import dev.history.common.KafkaSettings;
import dev.history.common.DirectoryDecision;
import dev.history.common.privacy.ErasureSettings;
import dev.history.query.ProcessedOffsets;
import dev.history.query.TimelineListener;
import dev.history.streams.HistoryTopology;
import dev.history.streams.StreamsServiceConfig;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The benchmark: starts a fresh standalone system as a child process, runs the eight phases against it
 * from this JVM (the load generator), stops it, prints one table and writes the JSON result.
 */
public final class BenchMain {
    private static final String HOST = "127.0.0.1";
    private static final double CEILING_WARMUP_CAP_SECONDS = 60;

    /**
     * Counts and durations: the full run (about 15-25 minutes) or the CI smoke run (seconds). Closed loops warm
     * up in windows of {@code warmupWindow} s until three consecutive windows agree within 3 % (at most
     * {@code warmupCap} s, see {@link SteadyState}); open loops run at half the maximum their closed loop measured.
     */
    record Plan(boolean smoke, double ceilingSeconds, int singleConnections, double warmupWindow,
                double warmupCap, double seconds, int openConnections, int batchConnections, double freshnessSeconds,
                double backgroundRate, int readConnections, double readSeconds, int[] readUsers, int fulfillments,
                int memoryCustomers, int storeCustomers) {
        static Plan fullPlan() {
            return new Plan(false, 12, 64, 5, 180, 10, 32, 8, 10, 2000, 16, 6, new int[] {200, 100, 20}, 4000, 1_000_000, 100);
        }

        static Plan smokePlan() {
            return new Plan(true, 1, 8, 0.2, 1, 1, 4, 2, 1.5, 200, 4, 0.5, new int[] {5, 3, 2}, 40, 2000, 10);
        }

        @Override
        public String toString() {
            return "Plan[smoke=" + smoke + ", ceilingSeconds=" + ceilingSeconds
                    + ", singleConnections=" + singleConnections + ", warmupWindow=" + warmupWindow + ", warmupCap=" + warmupCap
                    + ", seconds=" + seconds + ", openConnections=" + openConnections + ", batchConnections=" + batchConnections
                    + ", freshnessSeconds=" + freshnessSeconds + ", backgroundRate=" + backgroundRate + ", readConnections="
                    + readConnections + ", readSeconds=" + readSeconds + ", readUsers=" + java.util.Arrays.toString(readUsers)
                    + ", fulfillments=" + fulfillments + ", memoryCustomers=" + memoryCustomers + ", storeCustomers=" + storeCustomers + "]";
        }
    }

    /** Summary keys that may be null (an optional tool was absent): never counted as a phase without numbers. */
    private static final java.util.Set<String> OPTIONAL_KEYS = java.util.Set.of("wrk_single_rps");

    private final Plan plan;
    private final Path root;
    private final Cpu cpu = new Cpu();
    private final Map<String, Object> phases = new LinkedHashMap<>();
    private final List<List<Object>> rows = new ArrayList<>();
    private final Map<String, Double> summary = new LinkedHashMap<>();
    private final Map<String, String> systemEnv = new LinkedHashMap<>();
    private SystemProcess system;
    private Path tmp;
    private Sink sink;
    private Load load;
    private KafkaSettings kafka;
    private double ceiling = Double.NaN;
    private static double lastOther = Double.NaN;

    private BenchMain(Plan plan, Path root) {
        this.plan = plan;
        this.root = root;
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = List.of(args).contains("--smoke");
        Path root = Path.of(System.getProperty("bench.root", ".")).toAbsolutePath().normalize();
        String javaOpts = System.getProperty("bench.systemJavaOpts", "-Xms512m -Xmx1g -XX:+UseG1GC");
        BenchMain bench = new BenchMain(smoke ? Plan.smokePlan() : Plan.fullPlan(), root);
        int exit = bench.run(javaOpts);
        System.exit(exit);
    }

    private int run(String javaOpts) throws Exception {
        Instant started = Instant.now();
        String loadStart = firstMatch(Path.of("/proc/loadavg"), "");
        tmp = Files.createTempDirectory("history-bench-");
        sink = new Sink(20);
        Path tasks = tmp.resolve("tasks.json");
        Files.writeString(tasks, "[{\"name\":\"Bench\",\"url\":\"http://127.0.0.1:" + sink.port() + "/hook\",\"active\":true,\"timeoutMs\":300000},"
                + "{\"name\":\"BenchFlaky\",\"url\":\"http://127.0.0.1:" + sink.port() + "/flaky\",\"active\":true,\"timeoutMs\":300000,"
                + "\"retry\":{\"schedule\":\"200ms\",\"jitter\":0}}]");
        systemEnv.put("FULFILLMENT_TASKS_FILE", tasks.toString());
        systemEnv.put("WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8");
        // Settings that the operator may have exported are passed on and reported.
        for (String name : System.getenv().keySet()) {
            if (name.startsWith("FULFILLMENT_") || name.startsWith("HTTP_MAX") || name.equals("COMMIT_INTERVAL_MS")
                    || name.equals("NUM_STREAM_THREADS") || name.startsWith("KAFKA_CLIENT_") || name.equals("TOPIC_PARTITIONS") || name.equals("KAFKA_COMPRESSION")
                    || name.equals("ERASURE_OPENED_CACHE_MB")) {
                systemEnv.put(name, System.getenv(name));
            }
        }
        log("starting the system (bin/pipeline, JAVA_OPTS=" + javaOpts + ", DATA_DIR under " + tmp + ")");
        long t0 = System.nanoTime();
        system = SystemProcess.start(root, tmp, systemEnv, javaOpts);
        double startSeconds = (System.nanoTime() - t0) / 1e9;
        cpu.systemPid(system.pid());
        log("system ready in " + String.format("%.1f", startSeconds) + " s, pid " + system.pid() + ", http " + system.httpPort
                + ", kafka " + system.bootstrap());
        load = new Load(HOST, system.httpPort, cpu);
        kafka = KafkaSettings.from(Env.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", system.bootstrap())));
        Cpu.Mark whole = cpu.mark();
        List<String> failures = new ArrayList<>();
        try {
            phase("1 ceiling", failures, this::ceiling);
            phase("2 ingest single", failures, this::ingestSingle);
            phase("3 ingest batch", failures, this::ingestBatch);
            phase("10 gateway only", failures, this::gatewayOnly);
            phase("4 freshness", failures, this::freshness);
            phase("9 push", failures, this::push);
            phase("5 reads", failures, this::reads);
            phase("6 fulfillment", failures, this::fulfillment);
            phase("8 memory", failures, this::memory);
            phase("7 rebuild", failures, this::rebuild);
        } finally {
            log("stopping the system");
            system.close();
            sink.close();
        }
        double generatorCores = whole.generatorCores();

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("started", started.toString());
        result.put("mode", plan.smoke() ? "smoke" : "full");
        result.put("machine", machine());
        result.put("versions", Map.of("java", System.getProperty("java.version"), "kafka", AppInfoParser.getVersion(),
                "java_vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version")));
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("system_java_opts", javaOpts);
        settings.put("bench_java_opts", ManagementFactory.getRuntimeMXBean().getInputArguments());
        settings.put("system_env", systemEnv);
        settings.put("system_start_seconds", Report.round(startSeconds));
        settings.put("generator", "blocking HTTP/1.1 keep-alive clients (one thread + socket per connection) in the bench JVM; "
                + "cross-checked with wrk in phase 2 when wrk is on the PATH");
        settings.put("warmup_rule", "closed loops: windows of " + plan.warmupWindow() + " s until three consecutive windows' throughput "
                + "agree within 3 %, at most " + plan.warmupCap() + " s; open loops at 50 % of the maximum measured in this run");
        settings.put("generator_cores_whole_run", Report.round(generatorCores));
        settings.put("plan", plan.toString());
        settings.put("loadavg_at_start", loadStart);
        settings.put("loadavg_at_end", firstMatch(Path.of("/proc/loadavg"), ""));
        settings.put("other_cores_note", "CPU used by other processes on the machine during the phase (from /proc/stat); "
                + "non-zero means the figures were contaminated by someone else's work");
        result.put("settings", settings);
        result.put("phases", phases);
        Map<String, Object> summaryOut = new LinkedHashMap<>();
        summary.forEach((k, v) -> summaryOut.put(k, Report.round(v)));
        result.put("summary", summaryOut);
        result.put("failures", failures);

        String table = Report.table(rows);
        System.out.println();
        System.out.println("history pipeline benchmark (" + (plan.smoke() ? "smoke" : "full") + "), " + machine().get("cores")
                + " cores, " + machine().get("cpu") + ", Java " + System.getProperty("java.version") + ", Kafka "
                + AppInfoParser.getVersion() + "; system JAVA_OPTS " + javaOpts);
        System.out.print(table);
        System.out.println("summary " + summaryOut);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started);
        Path dir = root.resolve("bench/results");
        Path file = dir.resolve(stamp + (plan.smoke() ? "-smoke" : "") + ".json");
        Report.write(file, result);
        boolean complete = !plan.smoke() && System.getProperty("bench.phases") == null;
        if (complete) Report.write(dir.resolve("latest.json"), result);
        System.out.println("written " + root.relativize(file) + (complete ? " and bench/results/latest.json" : ""));

        List<String> missing = summaryOut.entrySet().stream()
                .filter(e -> !OPTIONAL_KEYS.contains(e.getKey()))
                .filter(e -> !(e.getValue() instanceof Number n) || n.doubleValue() <= 0)
                .map(Map.Entry::getKey).collect(Collectors.toList());
        for (String key : List.of("ceiling_records_per_s", "ingest_single_max_rps", "ingest_single_p99_ms_at_2000",
                "ingest_batch_events_per_s", "freshness_p50_ms", "freshness_p99_ms", "read_100_rps", "read_100_p99_ms",
                "read_1000_p99_ms", "fulfillment_deliveries_per_s", "rebuild_events_per_s", "heap_after_gc_mb", "rss_mb",
                "push_p50_ms", "push_p99_ms", "ingest_single_p99_ms_at_half", "read_100_p99_ms_at_half", "gateway_single_max_rps",
                "gateway_batch_events_per_s", "read_http_ceiling_rps", "read_store_ceiling_rps", "webhook_ceiling_per_s",
                "rebuild_floor_events_per_s", "gateway_single_p99_ms_at_half")) {
            // A BENCH_PHASES run leaves the other phases' figures out by design: only a complete run must have them all.
            if (!summaryOut.containsKey(key) && System.getProperty("bench.phases") == null) missing.add(key);
        }
        if (!failures.isEmpty() || !missing.isEmpty()) {
            System.err.println("FAILED: phases " + failures + ", no numbers for " + missing + " (system log: " + system.log + ")");
            return 1;
        }
        deleteRecursively(tmp);
        return 0;
    }

    interface Phase {
        void run() throws Exception;
    }

    /** With -Dbench.profile=DIR, each phase is recorded with JFR in the system JVM (jcmd JFR.start/stop) into DIR. */
    private void phase(String name, List<String> failures, Phase phase) {
        String only = System.getProperty("bench.phases");
        if (only != null && java.util.Arrays.stream(only.split(",")).map(String::trim).noneMatch(name.substring(0, name.indexOf(' '))::equals)) {
            return;
        }
        log("phase " + name);
        String profileDir = System.getProperty("bench.profile");
        String recording = name.replace(' ', '-');
        try {
            if (profileDir != null) system.jcmd("JFR.start", "name=" + recording, "settings=profile");
            phase.run();
        } catch (Exception | AssertionError e) {
            log("phase " + name + " FAILED: " + e);
            e.printStackTrace();
            failures.add(name + ": " + e);
        } finally {
            if (profileDir != null) {
                try {
                    Path dir = Files.createDirectories(Path.of(profileDir).toAbsolutePath());
                    system.jcmd("JFR.stop", "name=" + recording, "filename=" + dir.resolve(recording + ".jfr"));
                } catch (Exception e) {
                    log("cannot save the JFR recording of " + name + ": " + e);
                }
            }
        }
    }

    // ---------------------------------------------------------------- 1 ceiling

    private void ceiling() throws Exception {
        String topic = "bench-ceiling";
        try (Admin admin = Admin.create(kafka.common("bench-admin"))) {
            NewTopic definition = kafka.topics().definitions(kafka.partitions(), kafka.replicationFactor(), kafka.minInsyncReplicas())
                    .get(0);
            admin.createTopics(List.of(new NewTopic(topic, definition.numPartitions(), definition.replicationFactor())
                    .configs(definition.configs()))).all().get(30, TimeUnit.SECONDS);
        }
        // The gateway's own producer settings (KafkaSettings.producer: acks=all, idempotence, zstd, linger, batch).
        Properties props = kafka.producer("bench-ceiling");
        int pool = 10_000;
        byte[][] values = new byte[pool][];
        String[] keys = new String[pool];
        for (int i = 0; i < pool; i++) {
            keys[i] = Workload.username("cust", i);
            values[i] = Workload.recordValue(keys[i], i);
        }
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        // Warm-up by the closed loops' rule (SteadyState), the windows back to back so the sends never pause (the
        // producer's JIT and batching settle; a fixed 5 s gave ceilings from 131k to 466k records/s here, issue 14),
        // then the measured window. At most 60 s: past its JIT the producer's windows still swing by 2x on this
        // machine (broker page cache, CPU steal), which no longer warm-up removes; the JSON keeps the windows.
        SteadyState.Warmup warmup;
        Cpu.Mark mark;
        double seconds;
        long records;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            long[] sent = {0};
            SteadyState.Window sendFor = windowSeconds -> {
                long a0 = acked.get();
                long start = System.nanoTime();
                long end = start + (long) (windowSeconds * 1e9);
                for (long i = sent[0]; ; i++) {
                    if ((i & 255) == 0 && System.nanoTime() >= end) {
                        sent[0] = i;
                        return (acked.get() - a0) / ((System.nanoTime() - start) / 1e9);
                    }
                    int k = (int) (i % pool);
                    producer.send(new ProducerRecord<>(topic, keys[k], values[k]), (md, e) -> {
                        if (e == null) acked.incrementAndGet();
                        else failed.incrementAndGet();
                    });
                }
            };
            warmup = SteadyState.warmUp(plan.warmupWindow(), Math.min(plan.warmupCap(), CEILING_WARMUP_CAP_SECONDS), sendFor);
            mark = cpu.mark();
            long a0 = acked.get();
            long start = System.nanoTime();
            sendFor.run(plan.ceilingSeconds());
            records = acked.get() - a0;
            seconds = (System.nanoTime() - start) / 1e9;
        }
        ceiling = records / seconds;
        double gen = mark.generatorCores();
        double sys = mark.systemCores();
        double other = mark.otherCores();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("topic", topic + " (same partitions/configs as history-events, same broker)");
        r.put("record_bytes", values[0].length);
        r.put("producer", Map.of("acks", props.get(ProducerConfig.ACKS_CONFIG), "idempotence", props.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG),
                "compression", props.get(ProducerConfig.COMPRESSION_TYPE_CONFIG), "linger_ms", props.get(ProducerConfig.LINGER_MS_CONFIG),
                "batch_size", props.get(ProducerConfig.BATCH_SIZE_CONFIG)));
        r.put("warmup", warmup.toMap());
        r.put("seconds", Report.round(seconds));
        r.put("records_acked", records);
        r.put("send_errors", failed.get());
        r.put("records_per_s", Report.round(ceiling));
        r.put("mb_per_s", Report.round(ceiling * values[0].length / 1e6));
        r.put("generator_cores", Report.round(gen));
        r.put("system_cores", Report.round(sys));
        r.put("other_cores", Report.round(other));
        phases.put("ceiling", r);
        summary.put("ceiling_records_per_s", ceiling);
        lastOther = other;
        rows.add(row("1 ceiling", "raw producer, " + values[0].length + " B", ceiling, "rec/s", null, 1.0, "ceiling", "-", gen, sys));
    }

    // ---------------------------------------------------------------- 9 push latency (live streams)

    /**
     * POST answer → the event on an open {@code /history/stream}, with 1,000 other streams open on customers
     * that receive the background load. The background rate is the freshness phase's (see {@link #backgroundRate}).
     */
    private void push() throws Exception {
        awaitCaughtUp("history-streams", 300);
        int idleStreams = plan.smoke() ? 20 : 1000;
        double rate = backgroundRate();
        byte[][] background = singleRequests("push-bg", 20_000);
        List<String> watched = new ArrayList<>();
        for (int i = 0; i < idleStreams; i++) watched.add(Workload.username("push-bg", i));
        Histogram pushed = new Histogram(3);
        String run = Long.toString(System.currentTimeMillis() % 1_000_000);
        try (PushLatency streams = new PushLatency(HOST, system.httpPort); Http1 writer = new Http1(HOST, system.httpPort)) {
            streams.openIdle(watched);
            Load.Result[] bg = new Load.Result[1];
            Thread backgroundThread = new Thread(() -> {
                try {
                    bg[0] = load.open(rate, plan.openConnections(), plan.freshnessSeconds(), postEach(background));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "background");
            backgroundThread.start();
            long end = System.nanoTime() + (long) (plan.freshnessSeconds() * 1e9) - 300_000_000L;
            Thread.sleep(100);
            for (long probe = 0; System.nanoTime() < end; probe++) {
                pushed.recordValue(streams.probe(writer, "push-" + run + "-" + probe, probe));
                Thread.sleep(20);
            }
            backgroundThread.join();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("probes", pushed.getTotalCount());
            r.put("open_streams", streams.idleOpen() + 1);
            r.put("idle_streams_closed_by_server", streams.idleClosed());
            r.put("idle_stream_bytes", streams.idleBytes());
            r.put("p50_ms", Report.round(PushLatency.ms(pushed, 50)));
            r.put("p99_ms", Report.round(PushLatency.ms(pushed, 99)));
            r.put("p999_ms", Report.round(PushLatency.ms(pushed, 99.9)));
            r.put("max_ms", Report.round(pushed.getMaxValue() / 1e6));
            r.put("background", withRate(bg[0].toMap(), rate, plan.openConnections()));
            r.put("method", "open a stream for a new customer, wait for ready, POST its event; time from the POST answer "
                    + "until the added message with its id is read from the stream; " + idleStreams
                    + " more streams open on background customers, drained by one selector thread");
            phases.put("push", r);
            summary.put("push_p50_ms", PushLatency.ms(pushed, 50));
            summary.put("push_p99_ms", PushLatency.ms(pushed, 99));
            List<Object> row = new ArrayList<>(List.of("9 push", "POST answer -> SSE, " + (idleStreams + 1) + " streams, bg "
                    + (int) rate + "/s", "-", "probes " + pushed.getTotalCount()));
            row.add(PushLatency.ms(pushed, 50));
            row.add(PushLatency.ms(pushed, 99));
            row.add(PushLatency.ms(pushed, 99.9));
            row.add(PushLatency.ms(pushed, 99) / 100);
            row.add("p99/target");
            row.add("p99 <= 100 ms");
            row.add(bg[0].generatorCores());
            row.add(bg[0].systemCores());
            row.add(bg[0].otherCores());
            rows.add(row);
        }
    }

    /**
     * Background load of freshness and push: the plan's rate (2,000/s), capped at 50 % of the single-ingest
     * maximum this run measured (so a slow machine measures freshness, not an overloaded gateway).
     */
    private double backgroundRate() {
        double measuredMax = summary.getOrDefault("ingest_single_max_rps", Double.MAX_VALUE);
        return Math.max(1, Math.min(plan.backgroundRate(), 0.5 * measuredMax));
    }

    // ---------------------------------------------------------------- 2 single-event ingest

    private byte[][] singleRequests(String prefix, int count) {
        byte[][] requests = new byte[count][];
        for (int i = 0; i < count; i++) {
            requests[i] = Http1.post("/history", HOST, Workload.eventBytes(Workload.username(prefix, i), i));
        }
        return requests;
    }

    private static Load.Call postEach(byte[][] requests) {
        return (c, seq) -> {
            Http1.Response r = c.exchange(requests[(int) (seq % requests.length)]);
            return r.status() == 200 ? 1 : -1;
        };
    }

    private Load.Steady closedSteady(Load on, int connections, double seconds, Load.Call call) throws Exception {
        return on.closedSteady(connections, plan.warmupWindow(), plan.warmupCap(), seconds, call);
    }

    private void ingestSingle() throws Exception {
        byte[][] requests = singleRequests("cust", 20_000);
        Load.Steady steady = closedSteady(load, plan.singleConnections(), plan.seconds(), postEach(requests));
        Load.Result max = steady.result();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("request_bytes", Workload.eventBytes(Workload.username("cust", 1), 1).length);
        r.put("warmup", steady.warmup().toMap());
        r.put("closed_loop", withConnections(max.toMap(), plan.singleConnections()));
        rows.add(row("2 ingest single", "max, " + plan.singleConnections() + " conns", max, "req/s", max.requestsPerSecond() / ceiling,
                "ceiling", ">= 15,000 req/s"));

        // The cross-check: wrk, right after the closed loop, same system, same bodies, connections and seconds.
        double wrkRps = Double.NaN;
        Path wrk = WrkCheck.wrk();
        if (wrk == null) {
            r.put("wrk", null);
            r.put("wrk_note", "wrk is not on the PATH: no cross-check (apt-get install -y wrk)");
        } else {
            List<byte[]> bodies = new ArrayList<>();
            for (int i = 0; i < requests.length; i++) bodies.add(Workload.eventBytes(Workload.username("cust", i), i));
            Cpu.Mark mark = cpu.mark();
            try {
                WrkCheck.Run w = WrkCheck.run(wrk, HOST, system.httpPort, plan.singleConnections(), plan.seconds(), bodies);
                // wrk's Requests/sec counts error answers too: the cross-check compares successful requests/s.
                wrkRps = w.okPerSecond();
                if (w.non2xx() > 0) log("warning: wrk got " + w.non2xx() + " non-2xx answers of " + w.requests());
                Map<String, Object> m = WrkCheck.toMap(w, plan.singleConnections(), plan.seconds());
                m.put("system_cores", Report.round(mark.systemCores()));
                m.put("other_cores_wrk_included", Report.round(mark.otherCores()));
                r.put("wrk", m);
                r.put("bench_to_wrk", Report.round(max.requestsPerSecond() / wrkRps));
                List<Object> row = new ArrayList<>(List.of("2 ingest single", "wrk -t2 -c" + plan.singleConnections() + " cross-check"));
                row.add(wrkRps);
                row.add("req/s");
                row.add(null);
                row.add(w.p99Ms());
                row.add(null);
                row.add(max.requestsPerSecond() / wrkRps);
                row.add("bench/wrk");
                row.add("0.80 - 1.20");
                row.add(null);
                row.add(mark.systemCores());
                row.add(mark.otherCores());
                rows.add(row);
            } catch (Exception e) {
                log("wrk cross-check failed (not counted as a phase failure): " + e);
                r.put("wrk", Map.of("error", e.toString()));
            }
        }
        summary.put("wrk_single_rps", wrkRps);

        double half = Math.max(1, 0.5 * max.requestsPerSecond());
        // As many connections as the closed loop: blocking connections bound the rate an open loop can keep
        // (by Little's law, connections / latency); with fewer it fell behind and measured its own queue.
        Load.Result open = load.open(half, plan.singleConnections(), plan.seconds(), postEach(requests));
        r.put("open_loop", withRate(open.toMap(), half, plan.singleConnections()));
        r.put("open_loop_rate", "50 % of the closed-loop maximum of this run");
        r.put("ratio_to_ceiling", Report.round(max.requestsPerSecond() / ceiling));
        phases.put("ingest_single", r);
        summary.put("ingest_single_max_rps", max.requestsPerSecond());
        summary.put("ingest_single_p99_ms_at_half", open.ms(99));
        summary.put("ingest_single_half_rate_per_s", half);
        // Kept for scripts: since the open loop runs at half the maximum, this is the same figure as _at_half.
        summary.put("ingest_single_p99_ms_at_2000", open.ms(99));
        rows.add(row("2 ingest single", "open loop 50% of max, " + Report.fmt(Math.round(half)) + "/s", open, "req/s", open.ms(99) / 20,
                "p99/target", "p99 <= 20 ms"));
        checkErrors(max, open);
    }

    // ---------------------------------------------------------------- 3 batch ingest

    private static Load.Call batchCall(byte[][] requests) {
        return (c, seq) -> {
            Http1.Response r = c.exchange(requests[(int) (seq % requests.length)]);
            if (r.status() != 200) return -1;
            String body = r.text();
            return body.contains("\"error\"") ? -1 : Workload.count(body, "\"id\"");
        };
    }

    private static byte[][] batchRequests(String prefix, int perRequest) {
        byte[][] requests = new byte[200][];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = Http1.post("/history/batch", HOST, Workload.batchBytes(prefix, (long) i * perRequest, perRequest, 100_000));
        }
        return requests;
    }

    private void ingestBatch() throws Exception {
        int perRequest = 100;
        byte[][] requests = batchRequests("cust", perRequest);
        Load.Steady steady = closedSteady(load, plan.batchConnections(), plan.seconds(), batchCall(requests));
        Load.Result result = steady.result();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("events_per_request", perRequest);
        r.put("request_bytes", requests[0].length);
        r.put("warmup", steady.warmup().toMap());
        r.put("closed_loop", withConnections(result.toMap(), plan.batchConnections()));
        r.put("events_per_s", Report.round(result.unitsPerSecond()));
        r.put("ratio_to_ceiling", Report.round(result.unitsPerSecond() / ceiling));
        phases.put("ingest_batch", r);
        summary.put("ingest_batch_events_per_s", result.unitsPerSecond());
        rows.add(row("3 ingest batch", "100/req, " + plan.batchConnections() + " conns", result.unitsPerSecond(), "events/s",
                result, result.unitsPerSecond() / ceiling, "ceiling", ">= 0.20 of ceiling (whole system)", result.generatorCores(),
                result.systemCores()));
        checkErrors(result);
    }

    // ---------------------------------------------------------------- 10 gateway only

    /**
     * The production shape of the write path: {@code bin/pipeline gateway} alone as a second process on the
     * same broker, writing a topic nobody consumes (history-streams and the worker idle), with the same
     * single-event and batch loads and warm-up rule as phases 2 and 3. Compared with the phase-1 ceiling.
     */
    private void gatewayOnly() throws Exception {
        awaitCaughtUp("history-streams", 300); // Streams must not be materialising the batch phase's backlog meanwhile
        Path secrets = system.dataDir.resolve("data").resolve(ErasureSettings.SECRETS_FILE);
        Map<String, Object> r = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        try (GatewayProcess gateway = GatewayProcess.start(root, tmp.resolve("gateway"), systemEnv, system.bootstrap(), secrets,
                system.javaOpts)) {
            r.put("start_seconds", Report.round((System.nanoTime() - t0) / 1e9));
            cpu.addSystemPid(gateway.pid());
            // With BENCH_PROFILE the gateway JVM is recorded too (the phase's own recording is the system JVM's).
            String profileDir = System.getProperty("bench.profile");
            if (profileDir != null) SystemProcess.jcmd(gateway.pid(), "JFR.start", "name=gateway", "settings=profile");
            try {
                Load on = new Load(HOST, gateway.httpPort, cpu);
                byte[][] singles = singleRequests("gw", 20_000);
                Load.Steady single = closedSteady(on, plan.singleConnections(), plan.seconds(), postEach(singles));
                // The latency target for the gateway alone: p99 in an open loop at half the maximum just measured.
                double half = Math.max(1, 0.5 * single.result().requestsPerSecond());
                Load.Result open = on.open(half, plan.singleConnections(), plan.seconds(), postEach(singles));
                int perRequest = 100;
                byte[][] batches = batchRequests("gwb", perRequest);
                Load.Steady batch = closedSteady(on, plan.batchConnections(), plan.seconds(), batchCall(batches));
                Map<String, Object> s = withConnections(single.result().toMap(), plan.singleConnections());
                s.put("warmup", single.warmup().toMap());
                s.put("ratio_to_ceiling", Report.round(single.result().requestsPerSecond() / ceiling));
                s.put("open_loop", withRate(open.toMap(), half, plan.singleConnections()));
                r.put("single", s);
                Map<String, Object> b = withConnections(batch.result().toMap(), plan.batchConnections());
                b.put("warmup", batch.warmup().toMap());
                b.put("events_per_request", perRequest);
                b.put("events_per_s", Report.round(batch.result().unitsPerSecond()));
                b.put("ratio_to_ceiling", Report.round(batch.result().unitsPerSecond() / ceiling));
                r.put("batch", b);
                r.put("topic", GatewayProcess.TOPIC + " (not consumed)");
                r.put("method", "bin/pipeline gateway as a second child process (same JAVA_OPTS as the system) on the system's broker, "
                        + "AUTH=none, the system's erasure secrets; sys cores = gateway + system (broker; its services idle)");
                phases.put("gateway_only", r);
                summary.put("gateway_single_max_rps", single.result().requestsPerSecond());
                summary.put("gateway_single_p99_ms_at_half", open.ms(99));
                summary.put("gateway_batch_events_per_s", batch.result().unitsPerSecond());
                rows.add(row("10 gateway only", "single, " + plan.singleConnections() + " conns", single.result(), "req/s",
                        single.result().requestsPerSecond() / ceiling, "ceiling", ">= 0.05 of ceiling"));
                rows.add(row("10 gateway only", "single, open loop 50% of max, " + Report.fmt(Math.round(half)) + "/s", open, "req/s",
                        open.ms(99) / 20, "p99/target", "p99 <= 20 ms"));
                rows.add(row("10 gateway only", "100/req, " + plan.batchConnections() + " conns", batch.result().unitsPerSecond(),
                        "events/s", batch.result(), batch.result().unitsPerSecond() / ceiling, "ceiling", ">= 0.40 of ceiling",
                        batch.result().generatorCores(), batch.result().systemCores()));
                checkErrors(single.result(), open, batch.result());
            } finally {
                cpu.removeSystemPid(gateway.pid());
                if (profileDir != null) {
                    Path dir = Files.createDirectories(Path.of(profileDir).toAbsolutePath());
                    SystemProcess.jcmd(gateway.pid(), "JFR.stop", "name=gateway", "filename=" + dir.resolve("10-gateway-only-gateway.jfr"));
                }
            }
        }
    }

    // ---------------------------------------------------------------- 4 freshness

    private void freshness() throws Exception {
        awaitCaughtUp("history-streams", 300); // start from steady state, not from the batch phase's backlog
        byte[][] background = singleRequests("bg", 20_000);
        double rate = backgroundRate();
        Load.Result[] bg = new Load.Result[1];
        Thread backgroundThread = new Thread(() -> {
            try {
                bg[0] = load.open(rate, plan.openConnections(), plan.freshnessSeconds(), postEach(background));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "background");
        backgroundThread.start();
        Histogram visible = new Histogram(3);
        long polls = 0;
        long probes = 0;
        long end = System.nanoTime() + (long) (plan.freshnessSeconds() * 1e9) - 200_000_000L;
        String run = Long.toString(System.currentTimeMillis() % 1_000_000);
        try (Http1 writer = new Http1(HOST, system.httpPort); Http1 reader = new Http1(HOST, system.httpPort)) {
            Thread.sleep(100);
            while (System.nanoTime() < end) {
                String user = "fresh-" + run + "-" + probes++;
                Http1.Response posted = writer.exchange(Http1.post("/history", HOST, Workload.eventBytes(user, probes)));
                long answered = System.nanoTime();
                if (posted.status() != 200) throw new IllegalStateException("probe POST answered " + posted.status());
                String id = Workload.idOf(posted.text());
                byte[] get = Http1.get("/history?username=" + user + "&limit=1", HOST);
                while (true) {
                    Http1.Response r = reader.exchange(get);
                    polls++;
                    if (r.status() == 200 && r.text().contains(id)) break;
                    if (System.nanoTime() - answered > 30_000_000_000L) throw new IllegalStateException("event not visible after 30 s");
                    Thread.sleep(1); // resolution of the measurement: ~1 ms
                }
                visible.recordValue(System.nanoTime() - answered);
                Thread.sleep(20);
            }
        }
        backgroundThread.join();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("probes", visible.getTotalCount());
        r.put("polls", polls);
        r.put("p50_ms", Report.round(visible.getValueAtPercentile(50) / 1e6));
        r.put("p99_ms", Report.round(visible.getValueAtPercentile(99) / 1e6));
        r.put("p999_ms", Report.round(visible.getValueAtPercentile(99.9) / 1e6));
        r.put("max_ms", Report.round(visible.getMaxValue() / 1e6));
        r.put("background", withRate(bg[0].toMap(), rate, plan.openConnections()));
        r.put("method", "POST a new customer's event, then GET ?limit=1 about every 1 ms until it holds the id; time from the POST answer");
        phases.put("freshness", r);
        summary.put("freshness_p50_ms", visible.getValueAtPercentile(50) / 1e6);
        summary.put("freshness_p99_ms", visible.getValueAtPercentile(99) / 1e6);
        List<Object> row = new ArrayList<>(List.of("4 freshness", "POST answer -> GET, bg " + (int) rate + "/s",
                "-", "probes " + visible.getTotalCount()));
        row.add(visible.getValueAtPercentile(50) / 1e6);
        row.add(visible.getValueAtPercentile(99) / 1e6);
        row.add(visible.getValueAtPercentile(99.9) / 1e6);
        row.add(visible.getValueAtPercentile(99) / 1e6 / 100);
        row.add("p99/target");
        row.add("p99 <= 100 ms");
        row.add(bg[0].generatorCores());
        row.add(bg[0].systemCores());
        row.add(bg[0].otherCores());
        rows.add(row);
        if (visible.getTotalCount() == 0) throw new IllegalStateException("no freshness probe completed");
        checkErrors(bg[0]);
    }

    // ---------------------------------------------------------------- 5 reads

    private void reads() throws Exception {
        awaitCaughtUp("history-streams", 300);
        int[] sizes = {10, 100, 1000};
        Map<String, Object> r = new LinkedHashMap<>();
        String run = Long.toString(System.currentTimeMillis() % 1_000_000);
        try (Http1 c = new Http1(HOST, system.httpPort)) {
            for (int s = 0; s < sizes.length; s++) {
                int size = sizes[s];
                String prefix = "read" + size + "-" + run;
                long n = 0;
                for (int u = 0; u < plan.readUsers()[s]; u++) {
                    String user = Workload.username(prefix, u);
                    for (int sent = 0; sent < size; sent += 100) {
                        int count = Math.min(100, size - sent);
                        StringBuilder sb = new StringBuilder("[");
                        for (int i = 0; i < count; i++) sb.append(i > 0 ? "," : "").append(Workload.eventJson(user, n++));
                        Http1.Response resp = c.exchange(Http1.post("/history/batch", HOST, sb.append(']').toString().getBytes(StandardCharsets.UTF_8)));
                        if (resp.status() != 200 || resp.text().contains("\"error\"")) throw new IllegalStateException("preload failed: " + resp.text());
                    }
                }
            }
            // Wait until every preloaded customer's timeline is complete.
            for (int s = 0; s < sizes.length; s++) {
                for (int u = 0; u < plan.readUsers()[s]; u++) {
                    String user = Workload.username("read" + sizes[s] + "-" + run, u);
                    long deadline = System.nanoTime() + 120_000_000_000L;
                    while (Workload.count(c.exchange(Http1.get("/history?username=" + user, HOST)).text(), "\"id\"") < sizes[s]) {
                        if (System.nanoTime() > deadline) throw new IllegalStateException("preload of " + user + " not visible");
                        Thread.sleep(20);
                    }
                }
            }
        }
        byte[] answer100;
        try (Http1 c = new Http1(HOST, system.httpPort)) {
            answer100 = c.exchange(Http1.get("/history?username=" + Workload.username("read100-" + run, 0), HOST)).body();
        }
        List<Object> row100 = null;
        Load.Result read100 = null;
        byte[][] requests100 = null;
        for (int s = 0; s < sizes.length; s++) {
            int size = sizes[s];
            int users = plan.readUsers()[s];
            byte[][] requests = new byte[users][];
            for (int u = 0; u < users; u++) {
                requests[u] = Http1.get("/history?username=" + Workload.username("read" + size + "-" + run, u), HOST);
            }
            AtomicLong bytes = new AtomicLong();
            Load.Call call = (c, seq) -> {
                Http1.Response resp = c.exchange(requests[(int) (seq % requests.length)]);
                if (resp.status() != 200 || resp.body().length < size * 100) return -1;
                bytes.addAndGet(resp.body().length);
                return 1;
            };
            Load.Steady steady = closedSteady(load, plan.readConnections(), plan.readSeconds(), call);
            Load.Result result = steady.result();
            Map<String, Object> m = withConnections(result.toMap(), plan.readConnections());
            m.put("warmup", steady.warmup().toMap());
            m.put("customers", users);
            m.put("events_per_customer", size);
            m.put("response_bytes_avg", result.requests() == 0 ? null : Report.round((double) bytes.get() / result.requests()));
            r.put("events_" + size, m);
            List<Object> row = row("5 reads", size + " events/customer, " + plan.readConnections() + " conns", result, "req/s",
                    null, "-", size == 1000 ? "p99 <= 25 ms" : "-");
            rows.add(row);
            if (size == 100) {
                summary.put("read_100_rps", result.requestsPerSecond());
                summary.put("read_100_p99_ms", result.ms(99));
                m.put("ratio_to_old_target_10000_rps", Report.round(result.requestsPerSecond() / 10_000));
                row100 = row;
                read100 = result;
                requests100 = requests;
                // Open loop at half the maximum just measured: the latency a user sees at a sustainable load.
                double half = Math.max(1, 0.5 * result.requestsPerSecond());
                Load.Result open = load.open(half, plan.readConnections(), plan.readSeconds(), call);
                m.put("open_loop", withRate(open.toMap(), half, plan.readConnections()));
                summary.put("read_100_p99_ms_at_half", open.ms(99));
                rows.add(row("5 reads", "100 events, open loop 50% of max, " + Report.fmt(Math.round(half)) + "/s", open, "req/s",
                        open.ms(99) / 10, "p99/target", "p99 <= 10 ms"));
                checkErrors(open);
            }
            if (size == 1000) summary.put("read_1000_p99_ms", result.ms(99));
            checkErrors(result);
        }
        phases.put("reads", r);
        readCeilings(answer100, requests100, read100, row100);
    }

    /**
     * The two ceilings of a 100-event read, each measured alone in the bench JVM: HTTP (the services' Javalin
     * stack answering the real answer's bytes from memory) and store (the same timelines scanned from RocksDB
     * with the query's page reader). The read is compared with the lower of the two.
     */
    private void readCeilings(byte[] answer, byte[][] requests, Load.Result read100, List<Object> row100) throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        int connections = plan.readConnections();
        double httpRps;
        try (HttpCeiling http = new HttpCeiling(answer, systemEnv)) {
            Load on = new Load(HOST, http.port(), cpu);
            Load.Steady steady = closedSteady(on, connections, plan.readSeconds(), (c, seq) -> {
                Http1.Response resp = c.exchange(requests[(int) (seq % requests.length)]);
                return resp.status() == 200 && resp.body().length == answer.length ? 1 : -1;
            });
            Load.Result result = steady.result();
            httpRps = result.requestsPerSecond();
            Map<String, Object> m = withConnections(result.toMap(), connections);
            m.put("warmup", steady.warmup().toMap());
            m.put("answer_bytes", answer.length);
            m.put("method", "HttpApp.create(HttpSettings, GET /history -> Responses.rawJson(static bytes of a real 100-event answer)) "
                    + "in the bench JVM (no auth, metrics or store); gen cores include the server");
            r.put("http", m);
            summary.put("read_http_ceiling_rps", httpRps);
            rows.add(row("5 reads ceiling", "HTTP: static " + Report.fmt(answer.length) + " B answer, Javalin", result, "req/s",
                    null, "-", "-"));
            checkErrors(result);
        }
        Path secrets = system.dataDir.resolve("data").resolve(ErasureSettings.SECRETS_FILE);
        double storeRps;
        try (StoreCeiling store = new StoreCeiling(plan.storeCustomers(), 100, secrets)) {
            SteadyState.Warmup warmup = SteadyState.warmUp(plan.warmupWindow(), plan.warmupCap(),
                    s -> store.run(connections, s).scansPerSecond());
            Cpu.Mark mark = cpu.mark();
            StoreCeiling.Run run = store.run(connections, plan.readSeconds());
            double gen = mark.generatorCores();
            double sys = mark.systemCores();
            lastOther = mark.otherCores();
            storeRps = run.scansPerSecond();
            Histogram h = run.latencyNanos();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("customers", plan.storeCustomers());
            m.put("events_per_customer", 100);
            m.put("stored_bytes_per_timeline", store.storedValueBytes);
            m.put("threads", connections);
            m.put("warmup", warmup.toMap());
            m.put("scans", run.scans());
            m.put("elements", run.elements());
            m.put("seconds", Report.round(run.seconds()));
            m.put("scans_per_s", Report.round(storeRps));
            m.put("p50_ms", Report.round(h.getValueAtPercentile(50) / 1e6));
            m.put("p99_ms", Report.round(h.getValueAtPercentile(99) / 1e6));
            m.put("generator_cores", Report.round(gen));
            m.put("system_cores", Report.round(sys));
            m.put("other_cores", Report.round(lastOther));
            m.put("method", "HistoryTopology in a TopologyTestDriver (the service's persistent RocksDB timeline store, written by "
                    + "TimelineProcessor from sealed, pseudonymous HistoryCommands), flushed; N threads each run "
                    + "TimelineQuery.all(customer, 1000).run(store) (the query's page reader) over the customers in turn");
            r.put("store", m);
            summary.put("read_store_ceiling_rps", storeRps);
            List<Object> row = row("5 reads ceiling", "store: RocksDB scan, 100 events, " + connections + " threads", storeRps,
                    "scans/s", null, Double.NaN, "-", "-", gen, sys);
            row.set(4, h.getValueAtPercentile(50) / 1e6);
            row.set(5, h.getValueAtPercentile(99) / 1e6);
            row.set(6, h.getValueAtPercentile(99.9) / 1e6);
            row.set(7, null);
            rows.add(row);
            if (run.scans() == 0) throw new IllegalStateException("no store scan completed");
        }
        double lower = Math.min(httpRps, storeRps);
        r.put("lower_ceiling_rps", Report.round(lower));
        if (read100 != null) {
            r.put("read_100_ratio_to_lower_ceiling", Report.round(read100.requestsPerSecond() / lower));
            row100.set(7, read100.requestsPerSecond() / lower);
            row100.set(8, "min(store,http)");
            row100.set(9, ">= 0.50, p99 <= 10 ms");
        }
        phases.put("read_ceilings", r);
    }

    // ---------------------------------------------------------------- 6 fulfillment

    private void fulfillment() throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        awaitCaughtUp("history-streams", 300);
        List<List<Object>> fulfillmentRows = new ArrayList<>();
        List<Double> fulfillmentRates = new ArrayList<>();
        for (String task : List.of("Bench", "BenchFlaky")) {
            sink.reset();
            sink.close(true); // calls wait at the sink until every request is submitted: a backlog, then a timed drain
            int total = plan.fulfillments();
            String prefix = "ful-" + task + "-" + (System.currentTimeMillis() % 1_000_000);
            Map<String, Long> submittedAt = new ConcurrentHashMap<>();
            AtomicLong next = new AtomicLong();
            long start = System.nanoTime();
            Cpu.Mark mark = cpu.mark();
            List<Thread> submitters = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                Thread thread = new Thread(() -> {
                    try (Http1 c = new Http1(HOST, system.httpPort)) {
                        long i;
                        while ((i = next.getAndIncrement()) < total) {
                            String user = prefix + "-" + i;
                            String body = "{\"task\":\"" + task + "\",\"username\":\"" + user + "\",\"msisdn\":\"+4420794600" + (i % 100)
                                    + "\",\"preferredChannel\":\"voice\",\"eventParent\":\"\"}";
                            Http1.Response resp = c.exchange(Http1.post("/fulfillment", HOST, body.getBytes(StandardCharsets.UTF_8)));
                            if (resp.status() != 202) throw new IllegalStateException("POST /fulfillment answered " + resp.status() + " " + resp.text());
                            submittedAt.put(user, System.nanoTime());
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, "submit-" + t);
                submitters.add(thread);
                thread.start();
            }
            for (Thread t : submitters) t.join();
            double submitSeconds = (System.nanoTime() - start) / 1e9;
            Thread.sleep(plan.smoke() ? 300 : 2000); // let the worker read the whole backlog
            double submitCores = mark.systemCores();
            mark = cpu.mark();
            start = System.nanoTime();
            long opened = start;
            sink.close(false);
            long deadline = System.nanoTime() + (plan.smoke() ? 60 : 180) * 1_000_000_000L;
            while (succeeded(prefix) < total) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("only " + succeeded(prefix) + " of " + total + " delivered");
                Thread.sleep(10);
            }
            List<Long> done = sink.succeededAt.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                    .map(Map.Entry::getValue).sorted().toList();
            double seconds = (done.get(done.size() - 1) - start) / 1e9;
            double rate = total / seconds;
            Histogram latency = new Histogram(3);
            sink.succeededAt.forEach((user, at) -> {
                if (submittedAt.containsKey(user)) latency.recordValue(Math.max(0, at - opened));
            });
            double gen = mark.generatorCores();
            double sys = mark.systemCores();
            double other = mark.otherCores();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sink", task.equals("Bench") ? "answers 200 after 20 ms" : "20 ms; 503 to the first attempt of 30 % of requests, retry after 200 ms");
            m.put("requests", total);
            m.put("submit_seconds", Report.round(submitSeconds));
            m.put("submit_requests_per_s", Report.round(total / submitSeconds));
            m.put("submit_system_cores", Report.round(submitCores));
            m.put("seconds_from_sink_open_to_last_delivery", Report.round(seconds));
            m.put("deliveries_per_s", Report.round(rate));
            m.put("webhook_attempts", sink.attempts.get());
            m.put("failed_first_attempts", sink.failedFirstAttempts.get());
            m.put("max_concurrent_calls_seen_by_sink", sink.maxInFlight.get());
            m.put("p50_ms_sink_open_to_delivery", Report.round(latency.getValueAtPercentile(50) / 1e6));
            m.put("p99_ms_sink_open_to_delivery", Report.round(latency.getValueAtPercentile(99) / 1e6));
            m.put("p999_ms_sink_open_to_delivery", Report.round(latency.getValueAtPercentile(99.9) / 1e6));
            m.put("generator_cores", Report.round(gen));
            m.put("system_cores", Report.round(sys));
            m.put("other_cores", Report.round(other));
            r.put(task.equals("Bench") ? "sink_20ms" : "sink_20ms_30pct_failing", m);
            if (task.equals("Bench")) summary.put("fulfillment_deliveries_per_s", rate);
            List<Object> row = new ArrayList<>(List.of("6 fulfillment", (task.equals("Bench") ? "20 ms sink" : "20 ms sink, 30% fail")
                    + ", max " + sink.maxInFlight.get() + " in flight"));
            row.add(rate);
            row.add("deliv/s");
            row.add(latency.getValueAtPercentile(50) / 1e6);
            row.add(latency.getValueAtPercentile(99) / 1e6);
            row.add(latency.getValueAtPercentile(99.9) / 1e6);
            row.add(rate / 2000);
            row.add("target");
            row.add(">= 2,000 deliveries/s");
            row.add(gen);
            row.add(sys);
            row.add(other);
            rows.add(row);
            fulfillmentRows.add(row);
            fulfillmentRates.add(rate);
        }
        r.put("webhook_concurrency", Map.of(
                "FULFILLMENT_CONCURRENCY", systemEnv.getOrDefault("FULFILLMENT_CONCURRENCY", "default"),
                "FULFILLMENT_PER_HOST_CONCURRENCY", systemEnv.getOrDefault("FULFILLMENT_PER_HOST_CONCURRENCY", "default")));

        // The webhook ceiling: the same sink, a plain async client, the worker's concurrency towards one host.
        int concurrency = Math.min(Integer.parseInt(systemEnv.getOrDefault("FULFILLMENT_CONCURRENCY", "256")),
                Integer.parseInt(systemEnv.getOrDefault("FULFILLMENT_PER_HOST_CONCURRENCY", "64"))); // FulfillmentConfig defaults
        boolean realBody = sink.lastBody != null;
        byte[] body = realBody ? sink.lastBody
                : "{\"preferredChannel\":\"voice\",\"msisdn\":\"+442079460001\",\"username\":\"ful-ceiling\",\"eventParent\":\"\"}"
                        .getBytes(StandardCharsets.UTF_8);
        sink.reset();
        sink.close(false);
        Cpu.Mark mark = cpu.mark();
        WebhookCeiling.Run ceilingRun = WebhookCeiling.run(sink.port(), concurrency, plan.fulfillments(), body, cpu);
        double gen = mark.generatorCores();
        double sys = mark.systemCores();
        lastOther = mark.otherCores();
        double webhook = ceilingRun.perSecond();
        double theoretical = concurrency * 1000.0 / 20;
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("client", "JDK HttpClient, HTTP/1.1, sendAsync, at most " + concurrency + " in flight "
                + "(min of FULFILLMENT_CONCURRENCY and FULFILLMENT_PER_HOST_CONCURRENCY: one webhook host)");
        c.put("body_bytes", body.length);
        c.put("body_from", realBody ? "a real delivery of this run" : "built (no delivery seen)");
        c.put("requests", plan.fulfillments());
        c.put("delivered", ceilingRun.delivered());
        c.put("failed", ceilingRun.failed());
        c.put("seconds", Report.round(ceilingRun.seconds()));
        c.put("deliveries_per_s", Report.round(webhook));
        c.put("max_concurrent_calls_seen_by_sink", sink.maxInFlight.get());
        c.put("ratio_to_concurrency_over_20ms", Report.round(webhook / theoretical));
        c.put("generator_cores_client_and_sink", Report.round(gen));
        c.put("system_cores", Report.round(sys));
        c.put("other_cores", Report.round(lastOther));
        r.put("webhook_ceiling", c);
        for (int i = 0; i < fulfillmentRows.size(); i++) {
            fulfillmentRows.get(i).set(7, fulfillmentRates.get(i) / webhook);
            fulfillmentRows.get(i).set(8, "webhook ceiling");
            fulfillmentRows.get(i).set(9, ">= 0.50 of webhook ceiling");
            ((Map<String, Object>) r.get(i == 0 ? "sink_20ms" : "sink_20ms_30pct_failing"))
                    .put("ratio_to_webhook_ceiling", Report.round(fulfillmentRates.get(i) / webhook));
        }
        summary.put("webhook_ceiling_per_s", webhook);
        rows.add(row("6 webhook ceiling", "JDK HttpClient, " + concurrency + " in flight, 20 ms sink", webhook, "deliv/s", null,
                webhook / theoretical, "conc/20 ms", "-", gen, sys));
        if (ceilingRun.delivered() == 0) throw new IllegalStateException("no webhook ceiling call succeeded");
        r.put("method", "16 connections POST /fulfillment while the sink holds every call (a backlog builds in the worker); "
                + "then the sink opens and deliveries/s = requests / (last success - opening). Latencies are from the opening: "
                + "they show how the backlog drains, not a per-request latency");
        phases.put("fulfillment", r);
    }

    private long succeeded(String prefix) {
        return sink.succeededAt.keySet().stream().filter(k -> k.startsWith(prefix)).count();
    }

    // ---------------------------------------------------------------- 8 memory

    private void memory() throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        awaitCaughtUp("history-streams", 120);
        double heap1 = system.heapAfterGcMb();
        double rss1 = system.rssMb();
        r.put("after_run", Map.of("heap_after_gc_mb", Report.round(heap1), "rss_mb", Report.round(rss1)));
        summary.put("heap_after_gc_mb", heap1);
        summary.put("rss_mb", rss1);
        rows.add(new ArrayList<>(List.of("8 memory", "after the run", Report.round(heap1), "MB heap", "-", "-", "-", heap1 / 512, "target", "heap <= 512 MB",
                "rss " + Report.fmt(Report.round(rss1)) + " MB", "-")));

        // Load N more customers (one event each) straight onto history-events, wait until Streams has them all.
        int customers = plan.memoryCustomers();
        long t0 = System.nanoTime();
        Properties props = kafka.producer("bench-memory-load");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            String prefix = "mem-" + (System.currentTimeMillis() % 1_000_000);
            for (int i = 0; i < customers; i++) {
                String user = Workload.username(prefix, i);
                producer.send(new ProducerRecord<>(kafka.topics().historyEvents(), user, Workload.recordValue(user, i)));
            }
            producer.flush();
        }
        double produced = (System.nanoTime() - t0) / 1e9;
        awaitCaughtUp("history-streams", plan.smoke() ? 60 : 400);
        double loaded = (System.nanoTime() - t0) / 1e9;
        double heap2 = system.heapAfterGcMb();
        double rss2 = system.rssMb();
        Map<String, Object> after = new LinkedHashMap<>();
        after.put("customers_added", customers);
        after.put("produce_seconds", Report.round(produced));
        after.put("seconds_until_streams_caught_up", Report.round(loaded));
        after.put("heap_after_gc_mb", Report.round(heap2));
        after.put("rss_mb", Report.round(rss2));
        after.put("heap_growth_mb", Report.round(heap2 - heap1));
        r.put("after_loading_customers", after);
        r.put("heap_info", system.heapInfo());
        r.put("method", "jcmd <pid> GC.run, then GC.heap_info (used); VmRSS from /proc/<pid>/status");
        phases.put("memory", r);
        rows.add(new ArrayList<>(List.of("8 memory", "after +" + Report.fmt(customers) + " customers", Report.round(heap2), "MB heap", "-", "-", "-",
                heap2 / 512, "target", "flat, <= 512 MB", "rss " + Report.fmt(Report.round(rss2)) + " MB", "-")));
    }

    // ---------------------------------------------------------------- 7 rebuild

    private void rebuild() throws Exception {
        String topic = kafka.topics().historyEvents();
        String appId = "bench-rebuild-" + System.currentTimeMillis();
        long events;
        try (Admin admin = Admin.create(kafka.common("bench-admin"))) {
            events = endOffsets(admin, topic).values().stream().mapToLong(Long::longValue).sum();
        }
        Path state = Files.createTempDirectory("bench-rebuild-state-");
        // The service's own Streams configuration (exactly-once, commit interval, threads, poison handling),
        // built by its config record from the system's environment: only the application id and state differ.
        StreamsServiceConfig service = StreamsServiceConfig.from(Env.of(systemEnv).with(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "APPLICATION_ID", appId,
                "STATE_DIR", state.toString())));
        Properties props = service.streamsProperties(new AtomicLong());
        long commitInterval = service.commitIntervalMs();
        Cpu.Mark mark = cpu.mark();
        long t0 = System.nanoTime();
        double seconds;
        double firstProgress = Double.NaN;
        // Reads the system's directory decisions topic: a bench application has none of its own.
        try (KafkaStreams streams = new KafkaStreams(HistoryTopology.build(kafka.topics(),
                DirectoryDecision.topic(StreamsServiceConfig.from(Env.of(systemEnv)).applicationId()),
                new ProcessedOffsets(), TimelineListener.NONE), props)) {
            streams.start();
            try (Admin admin = Admin.create(kafka.common("bench-admin"))) {
                Map<TopicPartition, Long> end = endOffsets(admin, topic);
                long deadline = System.nanoTime() + (plan.smoke() ? 120 : 400) * 1_000_000_000L;
                while (true) {
                    long committed = committed(admin, appId, topic);
                    if (committed > 0 && Double.isNaN(firstProgress)) firstProgress = (System.nanoTime() - t0) / 1e9;
                    if (lagZero(admin, appId, end)) break;
                    if (System.nanoTime() > deadline) throw new IllegalStateException("rebuild not done: committed " + committed + " of " + events);
                    Thread.sleep(50);
                }
            }
            seconds = (System.nanoTime() - t0) / 1e9;
            streams.close(java.time.Duration.ofSeconds(30));
            streams.cleanUp();
        }
        double gen = mark.generatorCores();
        double sys = mark.systemCores();
        lastOther = mark.otherCores();
        deleteRecursively(state);
        try (Admin admin = Admin.create(kafka.common("bench-admin"))) {
            admin.deleteConsumerGroups(List.of(appId)).all().get(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // best effort
        }
        double rate = events / seconds;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("events", events);
        r.put("application_id", appId + " (HistoryTopology in the bench JVM with the service's StreamsServiceConfig properties, commit " + commitInterval + " ms, "
                + props.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG) + " stream thread(s) as the service's NUM_STREAM_THREADS, fresh state)");
        r.put("seconds_start_to_lag_zero", Report.round(seconds));
        r.put("seconds_to_first_commit", Report.round(firstProgress));
        r.put("events_per_s", Report.round(rate));
        r.put("ratio_to_ceiling", Report.round(rate / ceiling));
        r.put("rebuild_cores_bench_jvm", Report.round(gen));
        r.put("broker_cores_system_jvm", Report.round(sys));
        r.put("other_cores", Report.round(lastOther));
        summary.put("rebuild_events_per_s", rate);
        rows.add(rowIndexBeforeMemory(), row("7 rebuild", Report.fmt(events) + " events, new app id", rate, "events/s",
                null, rate / ceiling, "ceiling", ">= 0.25 of ceiling", gen, sys));

        phases.put("rebuild", r);

        // The floor: a bare Streams app with the same properties that only counts the same records.
        String floorId = "bench-rebuild-floor-" + System.currentTimeMillis();
        Path floorState = Files.createTempDirectory("bench-rebuild-floor-state-");
        Properties floorProps = new Properties();
        floorProps.putAll(props);
        floorProps.put(StreamsConfig.STATE_DIR_CONFIG, floorState.toString());
        RebuildFloor.Run floor;
        Cpu.Mark floorMark = cpu.mark();
        try (Admin admin = Admin.create(kafka.common("bench-admin"))) {
            floor = RebuildFloor.run(floorProps, floorId, topic, endOffsets(admin, topic), admin, plan.smoke() ? 120 : 400);
            try {
                admin.deleteConsumerGroups(List.of(floorId)).all().get(30, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort (the group may still be leaving)
            }
        } finally {
            deleteRecursively(floorState);
        }
        double floorGen = floorMark.generatorCores();
        double floorSys = floorMark.systemCores();
        lastOther = floorMark.otherCores();
        double floorRate = events / floor.seconds();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("application_id", floorId + " (counts records of " + topic + "; the rebuild's properties: exactly-once v2, commit "
                + commitInterval + " ms, " + props.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG) + " stream thread(s))");
        f.put("records_counted", floor.counted());
        f.put("seconds_start_to_lag_zero", Report.round(floor.seconds()));
        f.put("events_per_s", Report.round(floorRate));
        f.put("ratio_to_ceiling", Report.round(floorRate / ceiling));
        f.put("rebuild_ratio_to_floor", Report.round(rate / floorRate));
        f.put("streams_cores_bench_jvm", Report.round(floorGen));
        f.put("broker_cores_system_jvm", Report.round(floorSys));
        f.put("other_cores", Report.round(lastOther));
        r.put("floor", f);
        r.put("ratio_to_floor", Report.round(rate / floorRate));
        summary.put("rebuild_floor_events_per_s", floorRate);
        rows.add(rowIndexBeforeMemory(), row("7 rebuild floor", "bare Streams count, EOS v2, same records", floorRate, "events/s",
                null, rate / floorRate, "rebuild/floor", ">= 0.70 (rebuild/floor)", floorGen, floorSys));
    }

    private int rowIndexBeforeMemory() {
        for (int i = 0; i < rows.size(); i++) if ("8 memory".equals(rows.get(i).get(0))) return i;
        return rows.size();
    }

    static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        var description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        Map<TopicPartition, OffsetSpec> request = description.partitions().stream()
                .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
        return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    static long committed(Admin admin, String group, String topic) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).entrySet().stream()
                .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
    }

    static boolean lagZero(Admin admin, String group, Map<TopicPartition, Long> end) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (e.getValue() == 0) continue;
            OffsetAndMetadata c = committed.get(e.getKey());
            if (c == null || c.offset() < e.getValue()) return false;
        }
        return true;
    }

    /** Waits until the consumer group has committed up to the current end of history-events. */
    private void awaitCaughtUp(String group, int timeoutSeconds) throws Exception {
        try (Admin admin = Admin.create(kafka.common("bench-admin"))) {
            Map<TopicPartition, Long> end = endOffsets(admin, kafka.topics().historyEvents());
            long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
            while (!lagZero(admin, group, end)) {
                if (System.nanoTime() > deadline) throw new IllegalStateException(group + " did not catch up in " + timeoutSeconds + " s");
                Thread.sleep(100);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static List<Object> row(String phase, String what, double throughput, String unit, Double p50, double ratio, String ratioTo,
                                    String target, double gen, double sys) {
        List<Object> row = new ArrayList<>(List.of(phase, what));
        row.add(throughput);
        row.add(unit);
        row.add(p50);
        row.add(null);
        row.add(null);
        row.add(ratio);
        row.add(ratioTo);
        row.add(target);
        row.add(gen);
        row.add(sys);
        row.add(lastOther);
        return row;
    }

    private static List<Object> row(String phase, String what, Load.Result r, String unit, Double ratio, String ratioTo, String target) {
        return row(phase, what, r.requestsPerSecond(), unit, r, ratio, ratioTo, target, r.generatorCores(), r.systemCores());
    }

    private static List<Object> row(String phase, String what, double throughput, String unit, Load.Result r, Double ratio,
                                    String ratioTo, String target, double gen, double sys) {
        List<Object> row = new ArrayList<>(List.of(phase, what));
        row.add(throughput);
        row.add(unit);
        row.add(r.ms(50));
        row.add(r.ms(99));
        row.add(r.ms(99.9));
        row.add(ratio);
        row.add(ratioTo);
        row.add(target);
        row.add(gen);
        row.add(sys);
        row.add(r.otherCores());
        return row;
    }

    private static Map<String, Object> withConnections(Map<String, Object> m, int connections) {
        m.put("mode", "closed loop");
        m.put("connections", connections);
        return m;
    }

    private static Map<String, Object> withRate(Map<String, Object> m, double rate, int connections) {
        m.put("mode", "open loop, latency from the intended send time");
        m.put("rate_per_s", rate);
        m.put("connections", connections);
        return m;
    }

    private static void checkErrors(Load.Result... results) {
        for (Load.Result r : results) {
            if (r.requests() == 0) throw new IllegalStateException("no successful request");
            if (r.errors() > 0) log("warning: " + r.errors() + " failed requests");
        }
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu", firstMatch(Path.of("/proc/cpuinfo"), "model name"));
        String mem = firstMatch(Path.of("/proc/meminfo"), "MemTotal");
        m.put("memory_mb", mem == null ? null : Long.parseLong(mem.replaceAll("\\D", "")) / 1024);
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        return m;
    }

    private static String firstMatch(Path file, String prefix) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(l -> l.startsWith(prefix)).map(l -> prefix.isEmpty() ? l.trim() : l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(null);
        } catch (Exception e) {
            return null;
        }
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // temp dir; best effort
        }
    }

    private static void log(String message) {
        System.err.println(DateTimeFormatter.ISO_LOCAL_TIME.withZone(ZoneOffset.UTC).format(Instant.now()) + " bench: " + message);
    }
}
