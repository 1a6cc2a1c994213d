package dev.history.fulfillment;

import java.time.Duration;
import java.time.Instant;

/**
 * How one webhook call ended. {@code status} is null when there was no HTTP response (connect error,
 * DNS error, timeout, refused target).
 */
public record Outcome(Kind kind, Integer status, long latencyMs, Instant startedAt, String error, Duration retryAfter) {

    public enum Kind { SUCCESS, RETRY, FAIL }

    /** A short human description, e.g. {@code HTTP 500 in 35 ms} or {@code connection refused after 3 ms}. */
    public String describe() {
        if (status != null) {
            return "HTTP " + status + " in " + latencyMs + " ms" + (error == null ? "" : " (" + error + ")");
        }
        return error + " after " + latencyMs + " ms";
    }
}
