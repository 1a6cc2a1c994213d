package dev.history.streams;

/** One profile write: the writer's request id (may be null) and its offset on {@code customer-profiles}. */
record WriteId(String requestId, Long profileOffset) {}
