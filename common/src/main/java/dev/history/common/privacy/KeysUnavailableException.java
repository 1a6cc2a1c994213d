package dev.history.common.privacy;

/**
 * The key topic could not be read to its end in time (brokers unreachable): whether a key exists is not
 * known, so nothing may be answered as if it did not. HTTP answers 503 with Retry-After.
 */
public final class KeysUnavailableException extends IllegalStateException {
    public KeysUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
