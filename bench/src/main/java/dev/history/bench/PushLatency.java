package dev.history.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Phase 9, push latency: {@code idle} live streams stay open on customers that receive the background
 * load (read by one selector thread that discards the bytes), while a probe opens a stream for a new
 * customer, waits for {@code ready}, POSTs an event and times the POST answer → the {@code added}
 * message carrying its id on the stream.
 */
final class PushLatency implements AutoCloseable {
    private final String host;
    private final int port;
    private final Selector selector;
    private final List<SocketChannel> idle = new ArrayList<>();
    private final AtomicLong idleBytes = new AtomicLong();
    private final AtomicLong idleClosed = new AtomicLong();
    private final Thread drain;
    private volatile boolean running = true;

    PushLatency(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.selector = Selector.open();
        this.drain = new Thread(this::drainLoop, "push-idle-streams");
        this.drain.setDaemon(true);
    }

    /** Opens the idle streams (one per username) and starts draining them. */
    void openIdle(List<String> usernames) throws IOException {
        for (String username : usernames) {
            SocketChannel channel = SocketChannel.open(new InetSocketAddress(host, port));
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.write(ByteBuffer.wrap(request(username)));
            channel.configureBlocking(false);
            idle.add(channel);
        }
        selector.wakeup();
        synchronized (this) {
            for (SocketChannel channel : idle) channel.register(selector, SelectionKey.OP_READ);
        }
        drain.start();
    }

    private void drainLoop() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
        while (running) {
            try {
                selector.select(200);
                for (SelectionKey key : selector.selectedKeys()) {
                    buffer.clear();
                    int read = ((SocketChannel) key.channel()).read(buffer);
                    if (read < 0) {
                        key.cancel();
                        idleClosed.incrementAndGet();
                    } else {
                        idleBytes.addAndGet(read);
                    }
                }
                selector.selectedKeys().clear();
            } catch (IOException e) {
                if (running) idleClosed.incrementAndGet();
            }
        }
    }

    /** One probe: stream for a new customer, POST, time until its id arrives on the stream (nanos). */
    long probe(Http1 writer, String username, long n) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request(username));
            InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            readUntil(in, seen, "event: ready");
            Http1.Response posted = writer.exchange(Http1.post("/history", host, Workload.eventBytes(username, n)));
            long answered = System.nanoTime();
            if (posted.status() != 200) throw new IllegalStateException("probe POST answered " + posted.status());
            readUntil(in, seen, Workload.idOf(posted.text()));
            return Math.max(0, System.nanoTime() - answered);
        }
    }

    private static void readUntil(InputStream in, StringBuilder seen, String marker) throws IOException {
        byte[] buffer = new byte[8192];
        while (seen.indexOf(marker) < 0) {
            int read = in.read(buffer);
            if (read < 0) throw new IOException("stream ended before " + marker);
            seen.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
        }
        seen.setLength(0);
    }

    private byte[] request(String username) {
        return ("GET /history/stream?username=" + username + " HTTP/1.1\r\nHost: " + host + ":" + port
                + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    long idleBytes() {
        return idleBytes.get();
    }

    long idleClosed() {
        return idleClosed.get();
    }

    int idleOpen() {
        return idle.size();
    }

    static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e6;
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            drain.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SocketChannel channel : idle) channel.close();
        selector.close();
    }
}
