package dev.history.standalone;

import dev.history.common.openapi.OpenApiContract;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Server-Sent Events client over a plain socket, parsing like a browser's EventSource (the last
 * event id is kept across messages; an {@code id:} without data sets it without an event). It can
 * hold off reading (with a tiny receive buffer) to play a slow reader.
 */
final class SseTestClient implements AutoCloseable {
    record Event(String id, String type, String data) {}

    private final Socket socket;
    private final InputStream in;
    private final int status;
    private final Map<String, String> headers;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<Event> readies = new CopyOnWriteArrayList<>();
    private final AtomicInteger comments = new AtomicInteger();
    private volatile String lastEventId;
    private volatile Long retry;
    private volatile boolean ended;
    private volatile String errorBody;
    private volatile String contractViolation;
    private Thread reader;

    private SseTestClient(Socket socket, InputStream in, int status, Map<String, String> headers, String lastEventId) {
        this.socket = socket;
        this.in = in;
        this.status = status;
        this.headers = headers;
        this.lastEventId = lastEventId;
    }

    static SseTestClient open(int port, String username, String lastEventId) {
        return open(port, username, lastEventId, 0, true);
    }

    /** @param receiveBuffer socket receive buffer (0: the default); {@code read}: start reading at once */
    static SseTestClient open(int port, String username, String lastEventId, int receiveBuffer, boolean read) {
        try {
            Socket socket = new Socket();
            if (receiveBuffer > 0) socket.setReceiveBufferSize(receiveBuffer);
            socket.connect(new InetSocketAddress("localhost", port), 5000);
            socket.setSoTimeout(60_000);
            String request = "GET /history/stream?username=" + java.net.URLEncoder.encode(username, StandardCharsets.UTF_8)
                    + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nAccept: text/event-stream\r\nOrigin: http://agent.example\r\n"
                    + (lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n") + "\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1024);
            String statusLine = line(in);
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new HashMap<>();
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                int colon = header.indexOf(':');
                headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
            }
            SseTestClient client = new SseTestClient(socket, in, status, headers, lastEventId);
            if (status != 200) {
                client.errorBody = new String(client.body(), StandardCharsets.UTF_8);
                client.ended = true;
                socket.close();
            }
            Map<String, List<String>> sent = new HashMap<>();
            if (lastEventId != null) sent.put("Last-Event-ID", List.of(lastEventId));
            Map<String, List<String>> answered = new HashMap<>();
            headers.forEach((name, value) -> answered.put(name, List.of(value)));
            OpenApiContract.get().check(new OpenApiContract.Exchange("GET", java.net.URI.create("http://localhost:" + port
                    + request.substring(4, request.indexOf(" HTTP/1.1"))), sent, null, status,
                    java.net.http.HttpHeaders.of(answered, (a, b) -> true), status == 200 ? "" : client.errorBody));
            if (status == 200 && read) {
                client.startReading();
            }
            return client;
        } catch (IOException e) {
            throw new AssertionError("stream request failed: " + e, e);
        }
    }

    int status() {
        return status;
    }

    /** Each message's data must match its schema in the OpenAPI document (recorded here, raised by the accessors). */
    private void checkData(Event event) {
        String schema = switch (event.type()) {
            case "ready" -> "StreamReady";
            case "added" -> "Event";
            case "reset" -> "StreamReset";
            default -> null;
        };
        List<String> problems = schema == null ? List.of("message type '" + event.type() + "' is not documented")
                : OpenApiContract.get().validateJson(schema, event.data());
        if (!problems.isEmpty() && contractViolation == null) {
            contractViolation = "stream message " + event + " breaks openapi.json: " + problems;
        }
    }

    private void conforming() {
        if (contractViolation != null) throw new AssertionError(contractViolation);
    }

    String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String errorBody() {
        return errorBody;
    }

    /** The {@code ready} messages (one per stream); {@link #events()} holds all others. */
    List<Event> readies() {
        conforming();
        return readies;
    }

    List<Event> events() {
        conforming();
        return events;
    }

    List<Event> events(String type) {
        conforming();
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    int comments() {
        return comments.get();
    }

    String lastEventId() {
        return lastEventId;
    }

    Long retry() {
        return retry;
    }

    boolean ended() {
        return ended;
    }

    void awaitEvents(int count, Duration timeout) {
        TestSystems.await(count + " stream events (have " + events.size() + ")", timeout, () -> events.size() >= count);
    }

    synchronized void startReading() {
        if (reader != null) return;
        reader = new Thread(this::readLoop, "sse-test-client");
        reader.setDaemon(true);
        reader.start();
    }

    private void readLoop() {
        try {
            ByteArrayOutputStream lineBuffer = new ByteArrayOutputStream();
            String id = null;
            String type = null;
            StringBuilder data = null;
            while (true) {
                int size = chunkSize();
                if (size == 0) break;
                for (int i = 0; i < size; i++) {
                    int b = in.read();
                    if (b < 0) throw new IOException("eof in chunk");
                    if (b != '\n') {
                        lineBuffer.write(b);
                        continue;
                    }
                    String text = lineBuffer.toString(StandardCharsets.UTF_8);
                    lineBuffer.reset();
                    if (text.isEmpty()) {
                        if (id != null) lastEventId = id;
                        if (data != null) {
                            Event event = new Event(lastEventId, type == null ? "message" : type, data.toString());
                            checkData(event);
                            (event.type().equals("ready") ? readies : events).add(event);
                        }
                        id = null;
                        type = null;
                        data = null;
                    } else if (text.startsWith(":")) {
                        comments.incrementAndGet();
                    } else {
                        int colon = text.indexOf(':');
                        String field = colon < 0 ? text : text.substring(0, colon);
                        String value = colon < 0 ? "" : text.substring(colon + 1).replaceFirst("^ ", "");
                        switch (field) {
                            case "id" -> id = value;
                            case "event" -> type = value;
                            case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                            case "retry" -> retry = Long.parseLong(value);
                            default -> { }
                        }
                    }
                }
                line(in); // CRLF after the chunk
            }
        } catch (IOException e) {
            // connection closed: the stream ended
        } finally {
            ended = true;
        }
    }

    private int chunkSize() throws IOException {
        String size = line(in);
        int semicolon = size.indexOf(';');
        return Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
    }

    private byte[] body() throws IOException {
        String length = header("content-length");
        if (length != null) return in.readNBytes(Integer.parseInt(length));
        if ("chunked".equalsIgnoreCase(header("transfer-encoding"))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int size = chunkSize(); size > 0; size = chunkSize()) {
                out.write(in.readNBytes(size));
                line(in);
            }
            return out.toByteArray();
        }
        return in.readAllBytes();
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) throw new IOException("connection closed");
            if (b != '\r') out.write(b);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static List<String> ids(List<Event> events) {
        List<String> ids = new ArrayList<>();
        for (Event event : events) ids.add(event.id());
        return ids;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
