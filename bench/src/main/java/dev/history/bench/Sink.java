package dev.history.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.history.common.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The webhook receiver of the fulfillment phase, inside the bench JVM: {@code /hook} answers 200 after
 * {@code delayMs}; {@code /flaky} answers 503 to the first attempt of 30 % of requests (chosen by a hash
 * of the {@code webhook-id}, so it is deterministic), 200 otherwise. Counts successes per username.
 */
final class Sink implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final int delayMs;
    final Map<String, Long> succeededAt = new ConcurrentHashMap<>();
    final AtomicLong attempts = new AtomicLong();
    final AtomicLong failedFirstAttempts = new AtomicLong();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    /** The body of the last webhook call received (the webhook ceiling sends the same bytes). */
    volatile byte[] lastBody;
    /** Closed while requests are being submitted, so the worker builds a backlog and the drain measures delivery alone. */
    private volatile java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(0);

    Sink(int delayMs) throws IOException {
        this.delayMs = delayMs;
        // Without TCP_NODELAY the JDK server writes headers and body in two segments and Nagle + the
        // client's delayed ACK add ~40 ms to every answer: the sink would measure itself, not the worker.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        executor = Executors.newFixedThreadPool(512, r -> {
            Thread t = new Thread(r, "sink");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/hook", exchange -> handle(exchange, false));
        server.createContext("/flaky", exchange -> handle(exchange, true));
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    void close(boolean closed) {
        if (closed) gate = new java.util.concurrent.CountDownLatch(1);
        else gate.countDown();
    }

    void reset() {
        succeededAt.clear();
        attempts.set(0);
        failedFirstAttempts.set(0);
        maxInFlight.set(0);
    }

    private void handle(HttpExchange exchange, boolean flaky) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            byte[] body = exchange.getRequestBody().readAllBytes();
            lastBody = body;
            gate.await(300, java.util.concurrent.TimeUnit.SECONDS);
            attempts.incrementAndGet();
            Thread.sleep(delayMs);
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            String attempt = exchange.getRequestHeaders().getFirst("webhook-attempt");
            boolean fail = flaky && "1".equals(attempt) && id != null && Math.floorMod(id.hashCode(), 100) < 30;
            if (fail) {
                failedFirstAttempts.incrementAndGet();
                exchange.sendResponseHeaders(503, -1);
            } else {
                JsonNode json = Json.MAPPER.readTree(body);
                succeededAt.putIfAbsent(json.path("username").asText(), System.nanoTime());
                byte[] ok = "{\"ok\":true}".getBytes();
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, ok.length);
                exchange.getResponseBody().write(ok);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.sendResponseHeaders(500, -1);
        } finally {
            inFlight.decrementAndGet();
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
