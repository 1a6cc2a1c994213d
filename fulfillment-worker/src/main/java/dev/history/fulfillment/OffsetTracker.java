package dev.history.fulfillment;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offsets may be committed while records finish out of order: per partition, the lowest offset
 * still in progress (waiting for its time, queued, in flight, or writing its outcome), or the next
 * offset to read when none is. A record waiting 30 minutes therefore holds its partition's committed
 * offset back, which is what makes the wait survive a crash; records after it that already finished are
 * re-read after a crash and skipped because their outcome is in the status view. Poll thread only.
 */
final class OffsetTracker {
    private static final class Partition {
        final TreeSet<Long> inProgress = new TreeSet<>();
        long next = -1;
        long committed = -1;
    }

    private final Map<TopicPartition, Partition> partitions = new HashMap<>();

    void assigned(TopicPartition tp) {
        partitions.putIfAbsent(tp, new Partition());
    }

    void revoked(TopicPartition tp) {
        partitions.remove(tp);
    }

    boolean owns(TopicPartition tp) {
        return partitions.containsKey(tp);
    }

    /** A record was read; {@code inProgress} when its work continues after this poll. */
    void read(TopicPartition tp, long offset, boolean inProgress) {
        Partition p = partitions.computeIfAbsent(tp, k -> new Partition());
        p.next = Math.max(p.next, offset + 1);
        if (inProgress) p.inProgress.add(offset);
    }

    /**
     * The consumer's position moved past {@code position} without a record (transaction markers take
     * offsets too): the committed offset may follow once nothing before it is in progress.
     */
    void positioned(TopicPartition tp, long position) {
        Partition p = partitions.get(tp);
        if (p != null && p.next >= 0) p.next = Math.max(p.next, position);
    }

    /** Partitions read from since they were assigned. */
    java.util.Set<TopicPartition> readFrom() {
        java.util.Set<TopicPartition> out = new java.util.HashSet<>();
        partitions.forEach((tp, p) -> {
            if (p.next >= 0) out.add(tp);
        });
        return out;
    }

    void finished(TopicPartition tp, long offset) {
        Partition p = partitions.get(tp);
        if (p != null) p.inProgress.remove(offset);
    }

    /** A step that {@link #finished} the offset was not committed after all: in progress again. */
    void unfinished(TopicPartition tp, long offset) {
        Partition p = partitions.get(tp);
        if (p != null) p.inProgress.add(offset);
    }

    /** Offsets that moved since the last call, to commit. */
    Map<TopicPartition, OffsetAndMetadata> toCommit() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        partitions.forEach((tp, p) -> {
            if (p.next < 0) return;
            long safe = p.inProgress.isEmpty() ? p.next : p.inProgress.first();
            if (safe > p.committed) {
                out.put(tp, new OffsetAndMetadata(safe));
                p.committed = safe;
            }
        });
        return out;
    }

    /** After a failed async commit, offer the same offsets again next time. */
    void commitFailed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, o) -> {
            Partition p = partitions.get(tp);
            if (p != null && p.committed == o.offset()) p.committed = -1;
        });
    }
}
