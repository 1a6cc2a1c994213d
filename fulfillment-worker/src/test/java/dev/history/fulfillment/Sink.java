package dev.history.fulfillment;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/** A real local webhook endpoint: answers from a per-path script (then 200) and records every delivery. */
final class Sink implements AutoCloseable {
    record Reply(int status, Map<String, String> headers, long delayMs, String body) {
        static Reply of(int status) {
            return new Reply(status, Map.of(), 0, "");
        }
    }

    record Delivery(String path, Map<String, String> headers, String body, long receivedAtMillis, int answered) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final HttpServer server;
    private final Map<String, Deque<Reply>> scripts = new ConcurrentHashMap<>();
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();

    Sink(String address) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), 0), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    String url(String path) {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort() + path;
    }

    /** Replies for the next calls to {@code path}, in order; afterwards 200. */
    void script(String path, Reply... replies) {
        scripts.computeIfAbsent(path, p -> new ArrayDeque<>()).addAll(List.of(replies));
    }

    List<Delivery> deliveries(String path) {
        return deliveries.stream().filter(d -> d.path().equals(path)).toList();
    }

    List<Delivery> byWebhookId(String id) {
        return deliveries.stream().filter(d -> id.equals(d.header("webhook-id"))).toList();
    }

    List<Delivery> all() {
        return List.copyOf(deliveries);
    }

    private void handle(HttpExchange ex) throws IOException {
        long at = System.currentTimeMillis();
        byte[] body = ex.getRequestBody().readAllBytes();
        Map<String, String> headers = new TreeMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
        String path = ex.getRequestURI().getPath();
        Reply reply;
        Deque<Reply> script = scripts.get(path);
        synchronized (this) {
            reply = script == null || script.isEmpty() ? Reply.of(200) : script.poll();
        }
        deliveries.add(new Delivery(path, headers, new String(body, StandardCharsets.UTF_8), at, reply.status()));
        try {
            if (reply.delayMs() > 0) Thread.sleep(reply.delayMs());
            reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) ex.getResponseBody().write(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the worker gave up waiting (timeout) and closed the connection
        } finally {
            ex.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
