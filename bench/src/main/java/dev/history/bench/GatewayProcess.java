package dev.history.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The ingest gateway alone ({@code bin/pipeline gateway}) as a second child process, against the
 * standalone system's broker: the production shape of the write path (history-streams and the worker do
 * not consume what it writes). It writes to its own topic ({@code TOPIC_HISTORY_EVENTS=bench-gateway-events},
 * created by the gateway with the definition of {@code history-events}) that nobody consumes; it seals
 * with the standalone's erasure secrets and shares its key, profile and decision topics.
 */
final class GatewayProcess implements AutoCloseable {
    static final String TOPIC = "bench-gateway-events";

    final int httpPort;
    final Path log;
    private final Process process;

    private GatewayProcess(Path root, Path dir, Map<String, String> env, String bootstrap, Path erasureSecrets, String javaOpts)
            throws IOException {
        Files.createDirectories(dir);
        this.httpPort = SystemProcess.freePort();
        this.log = dir.resolve("gateway.log");
        ProcessBuilder pb = new ProcessBuilder(root.resolve("bin/pipeline").toString(), "gateway");
        pb.directory(root.toFile());
        pb.environment().putAll(env);
        pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        pb.environment().put("HTTP_PORT", Integer.toString(httpPort));
        pb.environment().put("HTTP_HOST", "127.0.0.1");
        pb.environment().put("AUTH", "none");
        pb.environment().put("DATA_DIR", dir.toString());
        pb.environment().put("TOPIC_HISTORY_EVENTS", TOPIC);
        pb.environment().put("ERASURE_SECRETS_FILE", erasureSecrets.toString());
        pb.environment().put("JAVA_OPTS", javaOpts);
        pb.environment().put("SHUTDOWN_DRAIN_MS", "200"); // nothing routes to it: no need to drain for long
        // bench/run built everything before the run: a build in the middle of it would be measured.
        pb.environment().put("PIPELINE_BUILD", "never");
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        process = pb.start();
    }

    static GatewayProcess start(Path root, Path dir, Map<String, String> env, String bootstrap, Path erasureSecrets, String javaOpts)
            throws Exception {
        GatewayProcess p = new GatewayProcess(root, dir, env, bootstrap, erasureSecrets, javaOpts);
        try {
            p.awaitReady(120);
        } catch (Exception e) {
            p.close();
            throw e;
        }
        return p;
    }

    long pid() {
        return process.pid();
    }

    private void awaitReady(int seconds) throws Exception {
        SystemProcess.awaitReady("gateway", process, httpPort, log, seconds);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: drains (SHUTDOWN_DRAIN_MS) then stops
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
