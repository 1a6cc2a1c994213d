package dev.history.fulfillment;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code GET /fulfillment/{id}} shows, the value on the compacted status topic. {@code version}
 * is the number of recorded attempts (0 = pending): a reader keeps the highest version it has seen,
 * so records arriving out of order or twice never move a request backwards.
 */
public record FulfillmentStatus(
        String id,
        String task,
        String taskName,
        String username,
        String state,
        int version,
        List<Attempt> attempts,
        String nextAttemptAt,
        String lastError,
        String createdAt,
        String updatedAt) {

    public static final String PENDING = "pending";
    public static final String RETRYING = "retrying";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";

    /** One webhook call: HTTP status (null when no response), latency, start time and outcome. */
    public record Attempt(int attempt, Integer status, long latencyMs, String at, String outcome, String error) {}

    public static FulfillmentStatus pending(FulfillmentRequest r) {
        return new FulfillmentStatus(r.id(), r.taskId(), r.taskName(), r.username(), PENDING, 0, List.of(),
                null, null, r.createdAt(), r.createdAt());
    }

    /** The status after one more attempt. */
    public FulfillmentStatus after(Attempt attempt, String newState, String nextAttemptAt, String updatedAt) {
        List<Attempt> all = new ArrayList<>(attempts == null ? List.of() : attempts);
        all.add(attempt);
        return new FulfillmentStatus(id, task, taskName, username, newState, all.size(), List.copyOf(all),
                nextAttemptAt, attempt.error(), createdAt, updatedAt);
    }

    @JsonIgnore
    public boolean terminal() {
        return SUCCEEDED.equals(state) || FAILED.equals(state);
    }
}
