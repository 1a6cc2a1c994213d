package dev.history.query;

import io.javalin.http.Context;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open {@code text/event-stream} response, written with non-blocking servlet I/O: messages wait
 * in a bounded queue and are written only while the connection is ready, so no thread ever blocks
 * on a slow reader (the stream thread that produces changes least of all). A reader that lets the
 * queue fill is told so ({@link #send} returns false) and is disconnected by its owner.
 */
final class SseConnection implements WriteListener {
    private static final Logger LOG = LoggerFactory.getLogger(SseConnection.class);

    private final Context ctx;
    private final String label;
    private final int maxQueued;
    private final Executor writer;
    private final boolean heartbeats;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private final List<Runnable> closeActions = new ArrayList<>();
    private ServletOutputStream out;
    private boolean listening;
    private boolean pumpScheduled;
    private boolean unflushed;
    private boolean closed;
    private volatile long lastActivityNanos = System.nanoTime();

    SseConnection(Context ctx, String label, int maxQueued, Executor writer, boolean heartbeats) {
        this.ctx = ctx;
        this.label = label;
        this.maxQueued = maxQueued;
        this.writer = writer;
        this.heartbeats = heartbeats;
    }

    /** Status and headers of a stream; call before {@link #start()}. */
    static void prepare(Context ctx) {
        ctx.status(200);
        ctx.res().setContentType("text/event-stream;charset=utf-8");
        ctx.header("Cache-Control", "no-cache, no-transform");
        ctx.header("X-Accel-Buffering", "no");
    }

    /** Starts writing; call inside {@code ctx.future(...)} (the request is asynchronous then). Completes when closed. */
    CompletableFuture<Void> start() {
        try {
            ctx.req().getAsyncContext().setTimeout(0);
            ctx.req().getAsyncContext().addListener(new AsyncListener() {
                @Override public void onComplete(AsyncEvent event) { close("completed"); }
                @Override public void onTimeout(AsyncEvent event) { close("timed out"); }
                @Override public void onError(AsyncEvent event) { close("connection error"); }
                @Override public void onStartAsync(AsyncEvent event) {}
            });
            ServletOutputStream stream = ctx.res().getOutputStream();
            synchronized (this) {
                out = stream;
            }
            stream.setWriteListener(this);
            synchronized (this) {
                listening = true;
            }
            pump();
        } catch (IOException | RuntimeException e) {
            LOG.debug("stream {} could not start: {}", label, e.toString());
            close("could not start");
        }
        return done;
    }

    /**
     * Queues a message. {@code mayDrop}: refuse it (return false) when the reader is already
     * {@code maxQueued} messages behind; replayed history and heartbeats are never refused.
     */
    boolean send(byte[] frame, boolean mayDrop) {
        synchronized (this) {
            if (closed) return false;
            if (mayDrop && queue.size() >= maxQueued) return false;
            queue.add(frame);
            if (!listening || pumpScheduled) return true;
            pumpScheduled = true;
        }
        writer.execute(() -> {
            synchronized (this) {
                pumpScheduled = false;
            }
            pump();
        });
        return true;
    }

    @Override
    public void onWritePossible() {
        pump();
    }

    @Override
    public void onError(Throwable error) {
        close("write failed: " + error);
    }

    /** Writes what is queued while the connection can take it, then flushes; never blocks. */
    private void pump() {
        String failure = null;
        synchronized (this) {
            if (closed || !listening) return;
            try {
                while (out.isReady()) {
                    byte[] next = queue.poll();
                    if (next == null) {
                        if (!unflushed) return;
                        unflushed = false;
                        out.flush();
                        continue;
                    }
                    out.write(next);
                    unflushed = true;
                    lastActivityNanos = System.nanoTime();
                }
            } catch (IOException | IllegalStateException e) {
                failure = e.toString();
            }
        }
        if (failure != null) close("write failed: " + failure);
    }

    /** Runs once, when the stream ends for any reason (client gone, slow, owner moved, shutdown). */
    void onClose(Runnable action) {
        boolean runNow;
        synchronized (this) {
            runNow = closed;
            if (!runNow) closeActions.add(action);
        }
        if (runNow) action.run();
    }

    /** Ends the response (the client reconnects with its last event id). Idempotent. */
    void close(String reason) {
        List<Runnable> actions;
        synchronized (this) {
            if (closed) return;
            closed = true;
            queue.clear();
            actions = new ArrayList<>(closeActions);
            closeActions.clear();
        }
        LOG.debug("stream {} closed: {}", label, reason);
        for (Runnable action : actions) {
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.warn("cleanup of stream {} failed", label, e);
            }
        }
        done.complete(null);
    }

    boolean heartbeats() {
        return heartbeats;
    }

    /** Marks traffic from upstream (relayed streams), for the watchdog. */
    void touch() {
        lastActivityNanos = System.nanoTime();
    }

    long idleNanos() {
        return System.nanoTime() - lastActivityNanos;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    String label() {
        return label;
    }
}
