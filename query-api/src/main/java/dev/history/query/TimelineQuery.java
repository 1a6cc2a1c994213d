package dev.history.query;

import dev.history.common.HistoryEvent;
import dev.history.common.Json;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads one page of a timeline: the newest {@code limit} matching events (returned oldest first),
 * walking the customer's key range backwards from {@code until} or the cursor. Cost is bounded by the
 * page, not by the length of the history (filters on source/channel may skip non-matching events).
 *
 * @param since  inclusive lower bound, epoch millis (Long.MIN_VALUE for none)
 * @param until  inclusive upper bound, epoch millis (Long.MAX_VALUE for none)
 * @param before cursor from a previous page's {@link TimelinePage#olderCursor()}, or null
 * @param source only events of this source, or null
 * @param channel only events of this channel, or null
 */
public record TimelineQuery(
        String username, int limit, long since, long until, String before, String source, String channel) {

    public static TimelineQuery all(String username, int limit) {
        return new TimelineQuery(username, limit, Long.MIN_VALUE, Long.MAX_VALUE, null, null, null);
    }

    public TimelinePage run(ReadOnlyKeyValueStore<Bytes, byte[]> timeline) {
        Bytes from = TimelineKeys.from(username, since);
        Bytes to = before == null ? TimelineKeys.to(username, until) : cursorKey();
        List<byte[]> newestFirst = new ArrayList<>(Math.min(limit, 1024));
        Bytes oldestKey = null;
        boolean more = false;
        try (KeyValueIterator<Bytes, byte[]> it = timeline.reverseRange(from, to)) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                if (before != null && entry.key.equals(to)) continue;
                if (!matches(entry.value)) continue;
                if (newestFirst.size() == limit) {
                    more = true;
                    break;
                }
                newestFirst.add(entry.value);
                oldestKey = entry.key;
            }
        }
        Collections.reverse(newestFirst);
        return new TimelinePage(newestFirst, more && oldestKey != null ? cursor(oldestKey) : null);
    }

    private boolean matches(byte[] json) {
        if (source == null && channel == null) return true;
        HistoryEvent event = Json.read(json, HistoryEvent.class);
        return (source == null || source.equals(event.source())) && (channel == null || channel.equals(event.channel()));
    }

    private Bytes cursorKey() {
        byte[] order;
        try {
            order = Base64.getUrlDecoder().decode(before);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid cursor");
        }
        if (order.length != TimelineKeys.ORDER_BYTES) throw new IllegalArgumentException("invalid cursor");
        return TimelineKeys.eventKey(username, order);
    }

    private static String cursor(Bytes key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(TimelineKeys.orderOf(key));
    }
}
