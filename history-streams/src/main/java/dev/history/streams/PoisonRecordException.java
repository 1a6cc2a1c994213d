package dev.history.streams;

/**
 * A record that can never be applied (wrong shape, missing key, unknown command). Thrown by the
 * processors so that {@link PoisonRecordHandler} dead-letters it and processing moves on.
 */
public final class PoisonRecordException extends RuntimeException {
    public PoisonRecordException(String message) {
        super(message, null, false, false);
    }
}
