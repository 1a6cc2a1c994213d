package dev.history.fulfillment;

import java.time.Duration;
import java.time.Instant;

/**
 * What follows an attempt: done, another attempt at a given time, or giving up. Pure, so the rules
 * (outcome class, schedule, Retry-After, max attempts, max age) are tested without Kafka or HTTP.
 *
 * @param nextAttemptAt set only for {@link Kind#RETRY}
 */
public record NextStep(Kind kind, Instant nextAttemptAt, String reason) {

    public enum Kind { SUCCEEDED, RETRY, FAILED }

    public static NextStep after(Outcome outcome, int attempt, RetryPolicy policy, Instant createdAt, Instant now) {
        return switch (outcome.kind()) {
            case SUCCESS -> new NextStep(Kind.SUCCEEDED, null, null);
            case FAIL -> new NextStep(Kind.FAILED, null, outcome.describe());
            case RETRY -> {
                if (attempt >= policy.maxAttempts()) {
                    yield new NextStep(Kind.FAILED, null, outcome.describe());
                }
                Duration wait = policy.delay(attempt, outcome.retryAfter());
                Instant next = now.plus(wait);
                if (next.isAfter(createdAt.plus(policy.maxAge()))) {
                    yield new NextStep(Kind.FAILED, null, outcome.describe() + "; next try would pass the maximum age of "
                            + Durations.format(policy.maxAge()));
                }
                yield new NextStep(Kind.RETRY, next, outcome.describe());
            }
        };
    }
}
