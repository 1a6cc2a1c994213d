package dev.history.query;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads a customer's changes by source offset from the timeline stores, for live streams that resume
 * after a given offset. The id index ({@code timeline-ids}) holds each event's order bytes, whose
 * second half is the source offset, and the bare username prefix holds the last reset (time, offset).
 * A resume scans the customer's id index (small entries), not the event documents.
 */
public final class TimelineChanges {
    /** No change known: every real offset is greater. */
    public static final long NONE = -1;

    private TimelineChanges() {}

    /** One stored event with the offset of the record that added it. */
    public record Change(long offset, byte[] eventJson) {}

    /** Offset of the customer's last reset, or {@link #NONE} (also for resets stored before offsets were kept). */
    public static long resetOffset(ReadOnlyKeyValueStore<Bytes, byte[]> ids, String username) {
        byte[] value = ids.get(TimelineKeys.prefixStart(username));
        return value == null || value.length < 16 ? NONE : ByteBuffer.wrap(value).getLong(8);
    }

    /** The highest offset of any change the store holds for this customer (event or reset), or {@link #NONE}. */
    public static long lastOffset(ReadOnlyKeyValueStore<Bytes, byte[]> ids, String username) {
        long last = resetOffset(ids, username);
        for (byte[] order : orders(ids, username)) last = Math.max(last, offsetOf(order));
        return last;
    }

    /** The customer's stored events added after {@code afterOffset}, in offset order. */
    public static List<Change> after(ReadOnlyKeyValueStore<Bytes, byte[]> ids, ReadOnlyKeyValueStore<Bytes, byte[]> timeline,
            String username, long afterOffset) {
        List<byte[]> newer = new ArrayList<>();
        for (byte[] order : orders(ids, username)) {
            if (offsetOf(order) > afterOffset) newer.add(order);
        }
        newer.sort(Comparator.comparingLong(TimelineChanges::offsetOf));
        List<Change> changes = new ArrayList<>(newer.size());
        for (byte[] order : newer) {
            byte[] json = timeline.get(TimelineKeys.eventKey(username, order));
            if (json != null) changes.add(new Change(offsetOf(order), json));
        }
        return changes;
    }

    private static List<byte[]> orders(ReadOnlyKeyValueStore<Bytes, byte[]> ids, String username) {
        Bytes watermark = TimelineKeys.prefixStart(username);
        List<byte[]> orders = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = ids.range(watermark, TimelineKeys.prefixEnd(username))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                if (entry.key.equals(watermark) || entry.value.length < TimelineKeys.ORDER_BYTES) continue;
                orders.add(java.util.Arrays.copyOf(entry.value, TimelineKeys.ORDER_BYTES));
            }
        }
        return orders;
    }

    private static long offsetOf(byte[] order) {
        return ByteBuffer.wrap(order).getLong(8);
    }
}
