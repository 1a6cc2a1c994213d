package dev.history.query;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.utils.Bytes;

/**
 * Byte layout of the timeline stores. A timeline entry's key is
 * {@code [u16 length][username][timestamp][offset]}, so one customer's events are one contiguous,
 * time-ordered key range: adding an event is one put, reading is a (reverse) range scan, and no
 * customer's history is ever rewritten. The timestamp has its sign bit flipped so that unsigned
 * byte order equals numeric order; the source offset breaks ties in arrival order.
 */
public final class TimelineKeys {
    public static final int ORDER_BYTES = 16;

    private TimelineKeys() {}

    /** The prefix every key of this customer starts with. */
    public static byte[] prefix(String username) {
        byte[] name = username.getBytes(StandardCharsets.UTF_8);
        if (name.length > 0xFFFF) throw new IllegalArgumentException("username too long");
        return ByteBuffer.allocate(2 + name.length).putShort((short) name.length).put(name).array();
    }

    /** The 16 bytes that order an event inside a timeline: timestamp, then source offset. */
    public static byte[] order(long timestampMillis, long offset) {
        return ByteBuffer.allocate(ORDER_BYTES).putLong(timestampMillis ^ Long.MIN_VALUE).putLong(offset).array();
    }

    public static Bytes eventKey(String username, byte[] order) {
        return Bytes.wrap(concat(prefix(username), order));
    }

    /** Key of the id index, which makes adding an already present event id a no-op. */
    public static Bytes idKey(String username, String id) {
        return Bytes.wrap(concat(prefix(username), id.getBytes(StandardCharsets.UTF_8)));
    }

    /** Lowest event key of this customer at or after {@code timestampMillis}. */
    public static Bytes from(String username, long timestampMillis) {
        return eventKey(username, order(timestampMillis, 0));
    }

    /** Highest event key of this customer at or before {@code timestampMillis}. */
    public static Bytes to(String username, long timestampMillis) {
        return eventKey(username, order(timestampMillis, -1L));
    }

    /** Lowest and highest possible keys of anything stored under this customer's prefix. */
    public static Bytes prefixStart(String username) {
        return Bytes.wrap(prefix(username));
    }

    public static Bytes prefixEnd(String username) {
        byte[] prefix = prefix(username);
        byte[] end = Arrays.copyOf(prefix, prefix.length + 256);
        Arrays.fill(end, prefix.length, end.length, (byte) 0xFF);
        return Bytes.wrap(end);
    }

    /** The order part of an event key. */
    public static byte[] orderOf(Bytes eventKey) {
        byte[] key = eventKey.get();
        return Arrays.copyOfRange(key, key.length - ORDER_BYTES, key.length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
