package dev.history.common.privacy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.kafka.common.utils.Bytes;

/**
 * Stored elements already opened (their sealed fields replaced by the plaintexts), by where they are stored,
 * bounded in bytes. An agent's widget reads the same timeline again and again, and every sealed field is an
 * AES-GCM open: most of a read's CPU without this cache. One lookup per element, not per field: a lookup by
 * sealed value (a fresh string to hash per field) was itself half of a read's CPU.
 *
 * <p>An entry answers only for the very bytes it was opened from ({@link #get} compares them), so a place
 * whose element changed (a rebuild, a reset and a new event) is opened again. Privacy: {@link Privacy}
 * answers from here only after it has found the entry's key for the right customer, so a forgotten
 * customer's elements are never answered from here. {@link #forget} also sweeps them out of memory: on
 * another thread, many forgets in one pass (a bulk erasure is not a scan of the cache each). A put that
 * races a forget checks the forget afterwards and removes itself.
 */
final class OpenedElements {
    /** Bytes of an entry besides its arrays (objects, headers, the map's node): so tiny elements still weigh. */
    private static final int OVERHEAD = 96;

    /** An element as stored, its opened form, and the id of the key its fields were sealed with. */
    record Opened(String keyId, byte[] stored, byte[] plain) {}

    private final Cache<Bytes, Opened> opened;
    private final Predicate<String> isForgotten;
    private final Executor sweeper;
    private final Set<String> toSweep = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean sweepQueued = new AtomicBoolean();

    /**
     * @param maxBytes the bound, in bytes of place, stored and opened element (0 keeps nothing; {@link Privacy} then has none)
     * @param isForgotten whether a key id has been forgotten (checked after each put)
     */
    OpenedElements(long maxBytes, Predicate<String> isForgotten, Executor sweeper) {
        this.opened = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((Bytes place, Opened o) -> OVERHEAD + place.get().length + o.stored().length + o.plain().length)
                .executor(Runnable::run) // evict on the writing thread: the bound holds when put returns
                .build();
        this.isForgotten = isForgotten;
        this.sweeper = sweeper;
    }

    /** What was opened from exactly {@code stored} at {@code place}, or null (never opened here, evicted, or changed since). */
    Opened get(Bytes place, byte[] stored) {
        Opened o = opened.getIfPresent(place);
        return o != null && Arrays.equals(o.stored(), stored) ? o : null;
    }

    boolean holds(String keyId) {
        return opened.asMap().values().stream().anyMatch(o -> o.keyId().equals(keyId));
    }

    void put(Bytes place, String keyId, byte[] stored, byte[] plain) {
        opened.put(place, new Opened(keyId, stored, plain));
        if (isForgotten.test(keyId)) opened.invalidate(place);
    }

    /** Removes the elements sealed with {@code keyId}, soon (the caller is the key topic's reader). */
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
