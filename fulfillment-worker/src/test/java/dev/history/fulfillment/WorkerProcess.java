package dev.history.fulfillment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link WorkerMain} in a child JVM on the test JVM's embedded broker, so a test can halt the worker
 * (as kill -9 would) while the broker lives on, then start it again on the same state directory.
 */
final class WorkerProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Process process;
    final int port;

    private WorkerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static WorkerProcess start(Map<String, String> env, String name) {
        int port = freePort();
        Map<String, String> vars = new HashMap<>(env);
        vars.put("HTTP_PORT", Integer.toString(port));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try {
            Path log = Files.createDirectories(Path.of("target", "worker-logs")).resolve(name + ".log");
            ProcessBuilder b = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"),
                    WorkerMain.class.getName()).redirectErrorStream(true).redirectOutput(log.toFile());
            b.environment().putAll(vars);
            WorkerProcess p = new WorkerProcess(b.start(), port);
            Await.until(Duration.ofSeconds(90), () -> {
                if (!p.process.isAlive()) throw new AssertionError("worker exited early, see " + log);
                return p.ready();
            }, r -> r, "worker " + name + " ready");
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean ready() {
        try {
            return send(HttpRequest.newBuilder(uri("/health/ready")).GET().build(), null).statusCode() == 200;
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    HttpResponse<String> post(String path, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return send(b.build(), json);
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().build(), null);
    }

    /** Waits for the process to end by itself (a halt); returns its exit code. */
    int awaitExit(Duration max) throws InterruptedException {
        if (!process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) throw new AssertionError("worker did not halt");
        return process.exitValue();
    }

    /** Graceful stop (SIGTERM: shutdown hooks run); returns how long it took. */
    Duration stop() throws InterruptedException {
        long start = System.nanoTime();
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) throw new AssertionError("worker did not stop");
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** Sends and checks the exchange against the OpenAPI document (request and answer). */
    private static HttpResponse<String> send(HttpRequest r, String body) {
        try {
            HttpResponse<String> response = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
            return dev.history.common.openapi.OpenApiContract.get().checked(r, body, response, response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
