package dev.history.query;

import dev.history.common.Json;
import io.javalin.http.Context;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process fan-out of materialised timeline changes to the live streams open on this instance.
 * The timeline processor calls it on the stream thread after each store write; a change for a
 * customer nobody watches costs one map lookup. It also keeps the caps (per instance, per customer),
 * sends heartbeats, closes relayed streams whose upstream went silent, and closes streams of
 * partitions this instance no longer processes.
 */
public final class TimelineHub implements TimelineListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TimelineHub.class);

    private final StreamSettings settings;
    private final Map<String, Set<LiveStream>> byCustomer = new ConcurrentHashMap<>();
    private final Set<SseConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong slowDropped = new AtomicLong();
    private final AtomicLong refusedInstance = new AtomicLong();
    private final AtomicLong refusedCustomer = new AtomicLong();
    private final ExecutorService writers = Executors.newFixedThreadPool(2, daemon("stream-writer"));
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(daemon("stream-ticker"));
    private volatile Predicate<LiveStream> stillOwned = stream -> true;

    private final TimelineOpener opener;

    TimelineHub(StreamSettings settings, TimelineOpener opener) {
        this.settings = settings;
        this.opener = opener;
        ticker.scheduleWithFixedDelay(this::heartbeat, settings.heartbeatMs(), settings.heartbeatMs(), TimeUnit.MILLISECONDS);
        long sweep = Math.min(settings.heartbeatMs(), 1000);
        ticker.scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    public StreamSettings settings() {
        return settings;
    }

    /** Open streams, failures to keep up and refusals, at {@code /metrics}. */
    public TimelineHub bind(MeterRegistry registry) {
        Gauge.builder("history.stream.open", open, AtomicInteger::get)
                .description("live timeline streams open on this instance (served or relayed)").register(registry);
        FunctionCounter.builder("history.stream.slow.dropped", slowDropped, AtomicLong::get)
                .description("streams disconnected because the reader fell too far behind").register(registry);
        FunctionCounter.builder("history.stream.refused", refusedInstance, AtomicLong::get)
                .tag("reason", "instance_cap").register(registry);
        FunctionCounter.builder("history.stream.refused", refusedCustomer, AtomicLong::get)
                .tag("reason", "customer_cap").register(registry);
        return this;
    }

    void ownershipCheck(Predicate<LiveStream> check) {
        this.stillOwned = check;
    }

    /** Takes one of the instance's stream slots; false when all are taken. */
    boolean tryOpen() {
        if (open.incrementAndGet() <= settings.maxPerInstance()) return true;
        open.decrementAndGet();
        refusedInstance.incrementAndGet();
        return false;
    }

    void release() {
        open.decrementAndGet();
    }

    int openStreams() {
        return open.get();
    }

    SseConnection connection(Context ctx, String label, boolean heartbeats) {
        SseConnection connection = new SseConnection(ctx, label, settings.bufferEvents(), writers, heartbeats);
        connections.add(connection);
        connection.onClose(() -> connections.remove(connection));
        return connection;
    }

    /** Registers a customer's stream; null when the customer already has {@code maxPerCustomer} open here. */
    /** @param username the customer's store key (pseudonym); {@code display} the name the client asked for */
    LiveStream subscribe(String username, String display, int partition, SseConnection connection) {
        LiveStream stream = new LiveStream(username, display, partition, connection, settings.bufferEvents(),
                () -> dropSlow(connection));
        boolean[] added = {false};
        byCustomer.compute(username, (name, streams) -> {
            Set<LiveStream> set = streams != null ? streams : ConcurrentHashMap.newKeySet();
            if (set.size() < settings.maxPerCustomer()) added[0] = set.add(stream);
            return set.isEmpty() ? null : set;
        });
        if (!added[0]) {
            refusedCustomer.incrementAndGet();
            return null;
        }
        connection.onClose(() -> unsubscribe(stream));
        return stream;
    }

    private void unsubscribe(LiveStream stream) {
        byCustomer.computeIfPresent(stream.username, (name, set) -> {
            set.remove(stream);
            return set.isEmpty() ? null : set;
        });
    }

    void dropSlow(SseConnection connection) {
        if (connection.isClosed()) return;
        slowDropped.incrementAndGet();
        LOG.info("stream {} disconnected: the reader is more than {} messages behind (it resumes with Last-Event-ID)",
                connection.label(), settings.bufferEvents());
        connection.close("slow reader");
    }

    @Override
    public void added(String username, int partition, long offset, byte[] eventJson) {
        Set<LiveStream> streams = byCustomer.get(username);
        if (streams == null) return;
        byte[] opened = opener.open(username, eventJson);
        if (opened == null) return; // its key is gone: unreadable by design
        publish(streams, offset, SseFrames.event(offset, "added", opened));
    }

    @Override
    public void reset(String username, int partition, long offset) {
        Set<LiveStream> streams = byCustomer.get(username);
        if (streams == null) return;
        for (LiveStream stream : streams) publish(Set.of(stream), offset, resetFrame(stream.display, offset));
    }

    byte[] open(String username, byte[] eventJson) {
        return opener.open(username, eventJson);
    }

    static byte[] resetFrame(String username, long offset) {
        return SseFrames.event(offset, "reset", Json.write(Map.of("username", username)));
    }

    private static void publish(Set<LiveStream> streams, long offset, byte[] frame) {
        for (LiveStream stream : streams) {
            try {
                stream.offer(offset, frame);
            } catch (RuntimeException e) {
                LOG.warn("stream {} failed to take offset {}", stream.connection.label(), offset, e);
                stream.connection.close("error");
            }
        }
    }

    /** The task of this partition closed here: its streams end and their clients reconnect to the new owner. */
    @Override
    public void released(int partition) {
        int closed = 0;
        for (Set<LiveStream> streams : byCustomer.values()) {
            for (LiveStream stream : streams) {
                if (stream.partition == partition) {
                    stream.connection.close("partition " + partition + " released");
                    closed++;
                }
            }
        }
        if (closed > 0) LOG.info("partition {} released: closed {} live streams (clients resume elsewhere)", partition, closed);
    }

    private void heartbeat() {
        for (SseConnection connection : connections) {
            if (connection.heartbeats()) connection.send(SseFrames.HEARTBEAT, false);
        }
    }

    /** Streams whose customer moved to another instance end; relayed streams with a silent upstream end. */
    private void sweep() {
        try {
            for (Set<LiveStream> streams : byCustomer.values()) {
                for (LiveStream stream : streams) {
                    if (!stillOwned.test(stream)) stream.connection.close("customer moved to another instance");
                }
            }
            long silent = TimeUnit.MILLISECONDS.toNanos(3 * settings.heartbeatMs() + 2000);
            for (SseConnection connection : connections) {
                if (!connection.heartbeats() && connection.idleNanos() > silent) connection.close("upstream silent");
            }
        } catch (RuntimeException e) {
            LOG.warn("stream sweep failed", e);
        }
    }

    @Override
    public void close() {
        for (SseConnection connection : connections) connection.close("shutting down");
        ticker.shutdownNow();
        writers.shutdown();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
