package dev.history.query;

import java.util.List;
import org.apache.kafka.common.utils.Bytes;

/**
 * One page of a timeline: event JSON documents oldest first, where each is stored (its store key, same
 * order), and the cursor of the next older page (null when there is none).
 */
public record TimelinePage(List<byte[]> events, List<Bytes> places, String olderCursor) {

    /** The events as the bare JSON array widgets expect, without re-serialising them. */
    public byte[] toJsonArray() {
        int size = 2 + Math.max(0, events.size() - 1);
        for (byte[] event : events) size += event.length;
        byte[] out = new byte[size];
        int pos = 0;
        out[pos++] = '[';
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) out[pos++] = ',';
            byte[] event = events.get(i);
            System.arraycopy(event, 0, out, pos, event.length);
            pos += event.length;
        }
        out[pos] = ']';
        return out;
    }
}
