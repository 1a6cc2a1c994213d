package dev.history.common;

/** One profile write: the writer's request id (may be null) and its offset on {@code customer-profiles}. */
public record WriteId(String requestId, Long profileOffset) {}
