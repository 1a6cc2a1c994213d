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
 * Plaintexts of sealed fields already opened, by sealed value, bounded in characters. An agent's widget
 * reads the same timeline again and again, and every field is an AES-GCM open (the JDK's GCM costs
 * microseconds per short message, mostly setup): most of a read's CPU before this cache.
 *
 * <p>Privacy: {@link Privacy} consults it only after it has found the field's key for the right customer,
 * so a forgotten customer's fields are never answered from here. {@link #forget} also sweeps them out of
 * memory: on another thread, many forgets in one pass (a bulk erasure is not a scan of the cache each).
 * A put that races a forget checks the forget afterwards and removes itself.
 */
final class OpenedFields {
    private final Cache<String, String> opened;
    private final Predicate<String> isForgotten;
    private final Executor sweeper;
    private final Set<String> toSweep = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean sweepQueued = new AtomicBoolean();

    /**
     * @param maxChars the bound, in characters of sealed value plus plaintext (0 keeps nothing; {@link Privacy} then has none)
     * @param isForgotten whether a key id has been forgotten (checked after each put)
     */
    OpenedFields(long maxChars, Predicate<String> isForgotten, Executor sweeper) {
        this.opened = Caffeine.newBuilder()
                .maximumWeight(maxChars)
                .weigher((String sealed, String plain) -> sealed.length() + plain.length())
                .executor(Runnable::run) // evict on the writing thread: the bound holds when put returns
                .build();
        this.isForgotten = isForgotten;
        this.sweeper = sweeper;
    }

    /** The plaintext of {@code sealed}, or null when it has not been opened here (or was evicted). */
    String get(String sealed) {
        return opened.getIfPresent(sealed);
    }

    void put(String keyId, String sealed, String plain) {
        opened.put(sealed, plain);
        if (isForgotten.test(keyId)) opened.invalidate(sealed);
    }

    /** Removes the fields sealed with {@code keyId}, soon (the caller is the key topic's reader). */
    void forget(String keyId) {
        toSweep.add(keyId);
        if (sweepQueued.compareAndSet(false, true)) sweeper.execute(this::sweep);
    }

    private void sweep() {
        sweepQueued.set(false); // a forget from here on queues another pass
        Set<String> keyIds = new HashSet<>(toSweep);
        toSweep.removeAll(keyIds);
        if (keyIds.isEmpty()) return;
        opened.asMap().keySet().removeIf(sealed -> keyIds.contains(Privacy.keyIdOf(sealed)));
    }
}
