package dev.history.common;

/**
 * One timeline element, exactly as widgets read it from {@code GET /history} (field order matters:
 * Jackson writes record components in declaration order).
 */
public record HistoryEvent(
        String id,
        String timestamp,
        String parent,
        int level,
        String channel,
        String source,
        String note,
        String link) {}
