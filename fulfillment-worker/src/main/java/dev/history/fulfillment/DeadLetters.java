package dev.history.fulfillment;

/** The headers of a dead-letter record (value = the request, key = request id). */
public final class DeadLetters {
    public static final String ORIGINAL_TOPIC = "original-topic";
    public static final String ORIGINAL_PARTITION = "original-partition";
    public static final String ORIGINAL_OFFSET = "original-offset";
    public static final String ATTEMPTS = "attempts";
    public static final String LAST_ERROR = "last-error";
    public static final String LAST_STATUS = "last-status";
    public static final String TASK = "task";
    public static final String FAILED_AT = "failed-at";
    /** The attempt chain that gave up: 0 for the original one, n after the n-th redrive (absent = 0). */
    public static final String REDRIVES = "redrives";

    private DeadLetters() {}
}
