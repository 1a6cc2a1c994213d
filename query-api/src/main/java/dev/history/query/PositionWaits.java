package dev.history.query;

import dev.history.common.AsyncSends;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.TaskId;

/**
 * Read-your-writes waits: a read presenting a {@code Consistency-Token} waits, without holding a
 * request thread, until this instance has processed the token's offset in the partition that serves
 * it. Completion is driven by the processors ({@link ProcessedOffsets} reports every record, duplicates
 * and dead letters included, so a retried write that changed no store still completes its wait) and,
 * for positions reached through committed offsets, by the {@link CatchUp} checks; a scheduled timeout
 * completes it with {@code false}. Futures complete on a pool, never on a stream thread.
 */
final class PositionWaits implements ProcessedOffsets.Listener, AutoCloseable {
    private record Waiter(long offset, CompletableFuture<Boolean> done) {}

    private final CatchUp catchUp;
    private final Map<TopicPartition, Queue<Waiter>> waiting = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "consistency-timeouts");
        t.setDaemon(true);
        return t;
    });

    PositionWaits(CatchUp catchUp, ProcessedOffsets progress) {
        this.catchUp = catchUp;
        progress.addListener(this);
        catchUp.onTick(this::recheckAll);
    }

    /** Completes with true once {@code offset} of {@code partition} is processed here, false after {@code timeoutMs}. */
    CompletableFuture<Boolean> await(TopicPartition partition, long offset, long timeoutMs) {
        if (catchUp.position(partition) > offset) return CompletableFuture.completedFuture(true);
        Waiter waiter = new Waiter(offset, new CompletableFuture<>());
        Queue<Waiter> queue = waiting.computeIfAbsent(partition, p -> new ConcurrentLinkedQueue<>());
        queue.add(waiter);
        timeouts.schedule(() -> {
            if (queue.remove(waiter)) AsyncSends.completions().execute(() -> waiter.done().complete(false));
        }, timeoutMs, TimeUnit.MILLISECONDS);
        recheck(partition, catchUp.position(partition)); // it may have been reached while registering
        return waiter.done();
    }

    @Override
    public void taskStarted(TaskId task) {
        // waits stay registered; positions only grow again from the restored state
    }

    @Override
    public void advanced(TopicPartition partition, long nextOffset) {
        recheck(partition, nextOffset);
    }

    private void recheckAll() {
        waiting.forEach((partition, queue) -> {
            if (!queue.isEmpty()) recheck(partition, catchUp.position(partition));
        });
    }

    private void recheck(TopicPartition partition, long next) {
        Queue<Waiter> queue = waiting.get(partition);
        if (queue == null || queue.isEmpty()) return;
        for (Waiter waiter : queue) {
            if (next > waiter.offset() && queue.remove(waiter)) {
                AsyncSends.completions().execute(() -> waiter.done().complete(true));
            }
        }
    }

    @Override
    public void close() {
        timeouts.shutdownNow();
    }
}
