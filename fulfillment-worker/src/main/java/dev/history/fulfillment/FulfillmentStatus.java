package dev.history.fulfillment;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code GET /fulfillment/{id}} shows, the value on the compacted status topic. {@code version}
 * is the number of recorded attempts of the current attempt chain (0 = pending) and {@code redrives}
 * the chain's generation (how many times the request was redriven, see {@link Redrive}): a reader keeps
 * the highest (redrives, version) it has seen, so records arriving out of order or twice never move a
 * request backwards, while a redriven chain, whose attempts count from 1 again, supersedes the failed one.
 * Status records written before redrives existed have no {@code redrives} field and read as 0.
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
        String updatedAt,
        int redrives) {

    public static final String PENDING = "pending";
    public static final String RETRYING = "retrying";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";

    public FulfillmentStatus(String id, String task, String taskName, String username, String state, int version,
                             List<Attempt> attempts, String nextAttemptAt, String lastError, String createdAt,
                             String updatedAt) {
        this(id, task, taskName, username, state, version, attempts, nextAttemptAt, lastError, createdAt, updatedAt, 0);
    }

    /** One webhook call: HTTP status (null when no response), latency, start time and outcome. */
    public record Attempt(int attempt, Integer status, long latencyMs, String at, String outcome, String error) {}

    public static FulfillmentStatus pending(FulfillmentRequest r) {
        return new FulfillmentStatus(r.id(), r.taskId(), r.taskName(), r.username(), PENDING, 0, List.of(),
                null, null, r.createdAt(), r.createdAt());
    }

    /** The start of redriven chain {@code generation}: pending, no attempts yet, created as the request was. */
    public static FulfillmentStatus redriven(FulfillmentRequest r, int generation, String at) {
        return new FulfillmentStatus(r.id(), r.taskId(), r.taskName(), r.username(), PENDING, 0, List.of(),
                null, null, r.createdAt(), at, generation);
    }

    /** The status after one more attempt. */
    public FulfillmentStatus after(Attempt attempt, String newState, String nextAttemptAt, String updatedAt) {
        List<Attempt> all = new ArrayList<>(attempts == null ? List.of() : attempts);
        all.add(attempt);
        return new FulfillmentStatus(id, task, taskName, username, newState, all.size(), List.copyOf(all),
                nextAttemptAt, attempt.error(), createdAt, updatedAt, redrives);
    }

    /** True when this status is newer than {@code other}: a later chain, or more attempts in the same chain. */
    public boolean newerThan(FulfillmentStatus other) {
        return redrives != other.redrives ? redrives > other.redrives : version > other.version;
    }

    @JsonIgnore
    public boolean terminal() {
        return SUCCEEDED.equals(state) || FAILED.equals(state);
    }
}
