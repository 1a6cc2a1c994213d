package dev.history.common.http;

import java.util.Map;

/**
 * Every error a client sees: an HTTP status, a sentence, and structured details (usually the field
 * at fault). Rendered by {@link HttpApp} as {@code {"error": "...", "details": {...}}}.
 */
public class ApiError extends RuntimeException {
    private final int status;
    private final Map<String, Object> details;

    public ApiError(int status, String message, Map<String, Object> details) {
        super(message, null, false, false);
        this.status = status;
        this.details = details == null ? Map.of() : details;
    }

    public static ApiError badField(String field, String message) {
        return new ApiError(400, message, Map.of("field", field));
    }

    public static ApiError unavailable(String message, int retryAfterSeconds) {
        return new ApiError(503, message, Map.of("retryAfterSeconds", retryAfterSeconds));
    }

    public int status() {
        return status;
    }

    public Map<String, Object> details() {
        return details;
    }
}
