package dev.history.common.privacy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * What reads have already opened (stored elements with their sealed fields replaced by the plaintexts), by
 * what the reader names it (a query), bounded in bytes. An agent's widget reads the same timeline again and
 * again, and every sealed field is an AES-GCM open: most of a read's CPU without this cache. A read of an
 * unchanged page is one lookup (one per field, by sealed value, was itself half of a read's CPU; one per
 * element still a third).
 *
 * <p>The reader compares what it stores now with what an entry was opened from ({@link Privacy.Opened#openedFrom}),
 * so a page whose elements changed (a new event, a rebuild, a reset) is not answered from here. Privacy: {@link Privacy} answers
 * from here only after it has found the entry's key for the right customer, so a forgotten customer's
 * elements are never answered from here. {@link #forget} also sweeps them out of memory: on another thread,
 * many forgets in one pass (a bulk erasure is not a scan of the cache each). A put that races a forget checks
 * the forget afterwards and removes itself.
 */
final class OpenedAnswers {
    /** Bytes of an entry besides its arrays (the name, objects, headers, the map's node): so tiny entries still weigh. */
    private static final int OVERHEAD = 160;

    private final Cache<Object, Privacy.Opened> opened;
    private final Predicate<String> isForgotten;
    private final Executor sweeper;
    private final Set<String> toSweep = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean sweepQueued = new AtomicBoolean();

    /**
     * @param maxBytes the bound, in bytes of elements as stored and as opened (0 keeps nothing; {@link Privacy} then has none)
     * @param isForgotten whether a key id has been forgotten (checked after each put)
     */
    OpenedAnswers(long maxBytes, Predicate<String> isForgotten, Executor sweeper) {
        this.opened = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((Object name, Privacy.Opened o) -> weight(o))
                .executor(Runnable::run) // evict on the writing thread: the bound holds when put returns
                .build();
        this.isForgotten = isForgotten;
        this.sweeper = sweeper;
    }

    private static int weight(Privacy.Opened o) {
        long bytes = OVERHEAD;
        for (byte[] element : o.stored()) bytes += 16 + element.length;
        bytes += 32 + o.answer().length + 4L * o.ends().length;
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

    /** What was opened under {@code name}, or null (never opened here, or evicted). */
    Privacy.Opened get(Object name) {
        return opened.getIfPresent(name);
    }

    void put(Object name, Privacy.Opened o) {
        opened.put(name, o);
        if (isForgotten.test(o.keyId())) opened.invalidate(name);
    }

    boolean holds(String keyId) {
        return opened.asMap().values().stream().anyMatch(o -> o.keyId().equals(keyId));
    }

    /** Removes what was sealed with {@code keyId}, soon (the caller is the key topic's reader). */
    void forget(String keyId) {
        toSweep.add(keyId);
        if (sweepQueued.compareAndSet(false, true)) sweeper.execute(this::sweep);
    }

    private void sweep() {
        sweepQueued.set(false); // a forget from here on queues another pass
        Set<String> keyIds = new HashSet<>(toSweep);
        toSweep.removeAll(keyIds);
        if (keyIds.isEmpty()) return;
        opened.asMap().values().removeIf(o -> keyIds.contains(o.keyId()));
    }
}
