package dev.history.query;

import java.util.List;

/**
 * One page of a timeline: event JSON documents oldest first, and the cursor of the next older page
 * (null when there is none).
 */
public record TimelinePage(List<byte[]> events, String olderCursor) {

    /** The events as the bare JSON array widgets expect, without re-serialising them. */
    public byte[] toJsonArray() {
        return jsonArray(events);
    }

    /** JSON documents as a JSON array: copied side by side, not re-serialised. */
    public static byte[] jsonArray(List<byte[]> documents) {
        int size = 2 + Math.max(0, documents.size() - 1);
        for (byte[] document : documents) size += document.length;
        byte[] out = new byte[size];
        int pos = 0;
        out[pos++] = '[';
        for (int i = 0; i < documents.size(); i++) {
            if (i > 0) out[pos++] = ',';
            byte[] document = documents.get(i);
            System.arraycopy(document, 0, out, pos, document.length);
            pos += document.length;
        }
        out[pos] = ']';
        return out;
    }
}
