package dev.history.query;

import dev.history.common.Json;

import java.util.List;

/**
 * One page of a timeline: event JSON documents oldest first, and the cursor of the next older page
 * (null when there is none).
 */
public record TimelinePage(List<byte[]> events, String olderCursor) {

    /** The events as the bare JSON array widgets expect, without re-serialising them. */
    public byte[] toJsonArray() {
        return Json.array(events);
    }
}
