package dev.history.gateway;

import dev.history.common.http.ApiError;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/** Maps a failed send to what the client should do: nothing was stored, so retry later (503). */
public final class KafkaFailures {
    private KafkaFailures() {}

    public static ApiError toApiError(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof RecordTooLargeException) {
            return new ApiError(413, "event too large for the history topic", Map.of());
        }
        return new ApiError(503, "event not stored: Kafka unavailable (" + cause.getClass().getSimpleName()
                + "); retry with the same id", Map.of("retryAfterSeconds", 1));
    }
}
