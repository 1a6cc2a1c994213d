package dev.history.fulfillment;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounded concurrency for webhook calls: at most {@code maxInFlight} calls at once and at most
 * {@code perHost} per target host:port. Due calls queue per host and are started round-robin over
 * hosts, so a host that hangs fills only its own slots and never delays calls to other hosts.
 *
 * <p>Kept in front of OkHttp's own dispatcher, whose {@code maxRequestsPerHost} cannot do this job: it counts
 * per host name (two webhooks on one host, different ports, would share one budget), starts queued calls in
 * arrival order rather than round-robin, and counts HTTP calls, whereas a slot here is a whole delivery (its
 * token fetch and the one repeat after a 401 included) and the "still ours, not stopping?" check runs when
 * the slot frees, so work whose partition moved meanwhile is dropped without calling. OkHttp's
 * {@code maxRequests} is set to the same global limit in {@link WebhookClient}, as a bound on its threads.
 */
final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    private final int maxInFlight;
    private final int perHost;
    private final Map<String, Deque<Supplier<CompletableFuture<?>>>> queues = new LinkedHashMap<>();
    private final Map<String, Integer> inFlight = new HashMap<>();
    private final AtomicInteger pumpRequests = new AtomicInteger();
    private int total;
    private boolean closed;

    Dispatcher(int maxInFlight, int perHost) {
        this.maxInFlight = maxInFlight;
        this.perHost = perHost;
    }

    /** Queues a call; {@code call} runs when a slot is free and its future's completion frees the slot. */
    void submit(String host, Supplier<CompletableFuture<?>> call) {
        synchronized (this) {
            if (closed) return;
            queues.computeIfAbsent(host, h -> new ArrayDeque<>()).add(call);
        }
        pump();
    }

    synchronized int inFlight() {
        return total;
    }

    synchronized void close() {
        closed = true;
        queues.clear();
    }

    /**
     * Starts what the limits allow. A call may complete at once (work dropped because its partition moved),
     * and its completion pumps again: without this guard every such completion nested one pump deeper,
     * so a backlog of dropped work after a restart overflowed the stack — an error the completing future
     * swallowed, leaving its slots taken for good. One pump runs at a time; a pump asked for meanwhile
     * (from this thread or another) makes it run once more.
     */
    private void pump() {
        if (pumpRequests.getAndIncrement() != 0) return;
        do {
            try {
                startWhatFits();
            } catch (RuntimeException e) {
                LOG.error("webhook dispatcher failed to start calls; will try again on the next completion", e);
            }
        } while (pumpRequests.decrementAndGet() != 0);
    }

    private void startWhatFits() {
        List<Map.Entry<String, Supplier<CompletableFuture<?>>>> start = new ArrayList<>();
        synchronized (this) {
            boolean progress = true;
            while (progress && total < maxInFlight) {
                progress = false;
                for (Iterator<Map.Entry<String, Deque<Supplier<CompletableFuture<?>>>>> it = queues.entrySet().iterator();
                        it.hasNext() && total < maxInFlight; ) {
                    Map.Entry<String, Deque<Supplier<CompletableFuture<?>>>> e = it.next();
                    int running = inFlight.getOrDefault(e.getKey(), 0);
                    if (running >= perHost) continue;
                    Supplier<CompletableFuture<?>> call = e.getValue().poll();
                    if (call == null) {
                        it.remove();
                        continue;
                    }
                    inFlight.put(e.getKey(), running + 1);
                    total++;
                    start.add(Map.entry(e.getKey(), call));
                    progress = true;
                    if (e.getValue().isEmpty()) it.remove();
                }
            }
        }
        for (Map.Entry<String, Supplier<CompletableFuture<?>>> s : start) {
            CompletableFuture<?> f;
            try {
                f = s.getValue().get();
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.whenComplete((r, e) -> release(s.getKey()));
        }
    }

    private void release(String host) {
        synchronized (this) {
            total--;
            inFlight.merge(host, -1, Integer::sum);
            if (inFlight.get(host) <= 0) inFlight.remove(host);
        }
        pump();
    }
}
