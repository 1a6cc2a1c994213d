package dev.history.bench;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The system under test: {@code bin/pipeline} (standalone: embedded broker + every service) started as
 * a child process on a fresh temporary {@code DATA_DIR} and free ports; its output goes to a log file.
 */
final class SystemProcess implements AutoCloseable {
    final Path dataDir;
    final Path log;
    final int httpPort;
    final int kafkaPort;
    final String javaOpts;
    private final Process process;

    private SystemProcess(Path root, Path dataDir, Map<String, String> env, String javaOpts) throws IOException {
        this.dataDir = dataDir;
        this.javaOpts = javaOpts;
        this.httpPort = freePort();
        this.kafkaPort = freePort();
        this.log = dataDir.resolve("pipeline.log");
        ProcessBuilder pb = new ProcessBuilder(root.resolve("bin/pipeline").toString(), "standalone");
        pb.directory(root.toFile());
        pb.environment().putAll(env);
        pb.environment().put("DATA_DIR", dataDir.resolve("data").toString());
        pb.environment().put("HTTP_PORT", Integer.toString(httpPort));
        pb.environment().put("KAFKA_PORT", Integer.toString(kafkaPort));
        pb.environment().put("JAVA_OPTS", javaOpts);
        pb.environment().remove("KAFKA_BOOTSTRAP_SERVERS");
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        process = pb.start();
    }

    static SystemProcess start(Path root, Path dataDir, Map<String, String> env, String javaOpts) throws Exception {
        SystemProcess p = new SystemProcess(root, dataDir, env, javaOpts);
        p.awaitReady(180);
        return p;
    }

    long pid() {
        return process.pid();
    }

    String bootstrap() {
        return "127.0.0.1:" + kafkaPort;
    }

    private void awaitReady(int seconds) throws Exception {
        awaitReady("system", process, httpPort, log, seconds);
    }

    /** Polls {@code /health/ready} of a child process until 200; fails when it exits or the time is up. */
    static void awaitReady(String name, Process process, int httpPort, Path log, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            try (Http1 c = new Http1("127.0.0.1", httpPort)) {
                if (c.exchange(Http1.get("/health/ready", "127.0.0.1")).status() == 200) return;
            } catch (IOException ignored) {
                // not yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " not ready after " + seconds + " s; see " + log);
    }

    /** Heap used after a forced full GC ({@code jcmd GC.run}, then {@code GC.heap_info}), in MB. */
    double heapAfterGcMb() throws Exception {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
        if (!m.find()) throw new IllegalStateException("cannot parse GC.heap_info: " + info);
        return Long.parseLong(m.group(1)) / 1024.0;
    }

    String heapInfo() throws Exception {
        return jcmd("GC.heap_info").trim();
    }

    /** Resident set size from {@code /proc/<pid>/status}, in MB. */
    double rssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
        }
        throw new IllegalStateException("no VmRSS");
    }

    String jcmd(String... command) throws Exception {
        return jcmd(pid(), command);
    }

    /** {@code jcmd <pid> command…} of any JVM of the system (the gateway-only phase's gateway too). */
    static String jcmd(long pid, String... command) throws Exception {
        String[] argv = new String[command.length + 2];
        argv[0] = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        if (!new File(argv[0]).exists()) argv[0] = "jcmd";
        argv[1] = Long.toString(pid);
        System.arraycopy(command, 0, argv, 2, command.length);
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: the shutdown hook stops HTTP, services, broker
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
