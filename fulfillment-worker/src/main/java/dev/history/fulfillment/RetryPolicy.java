package dev.history.fulfillment;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try again. The schedule lists the waits after attempt 1, 2, ...; past its end the wait keeps
 * growing by {@code growth} (exponential), capped at {@code maxDelay}. Each wait is spread by
 * +/- {@code jitter} so that requests failing together do not retry together. A server's
 * {@code Retry-After} replaces the scheduled wait, capped at {@code maxRetryAfter}.
 *
 * @param maxAttempts total attempts including the first
 * @param maxAge give up when the next attempt would start later than this after the request
 */
public record RetryPolicy(
        List<Duration> schedule,
        double growth,
        Duration maxDelay,
        double jitter,
        int maxAttempts,
        Duration maxAge,
        Duration maxRetryAfter) {

    public RetryPolicy {
        if (schedule.isEmpty()) throw new IllegalArgumentException("retry schedule must not be empty");
        if (jitter < 0 || jitter >= 1) throw new IllegalArgumentException("retry jitter must be in [0, 1)");
        if (growth < 1) throw new IllegalArgumentException("retry growth must be >= 1");
        if (maxAttempts < 1) throw new IllegalArgumentException("max attempts must be >= 1");
        schedule = List.copyOf(schedule);
    }

    /** The nominal wait after {@code attempt} failed (1-based), before jitter. */
    public Duration nominalDelay(int attempt) {
        int index = attempt - 1;
        if (index < schedule.size()) return min(schedule.get(index), maxDelay);
        double last = schedule.get(schedule.size() - 1).toMillis();
        double grown = last * Math.pow(growth, index - schedule.size() + 1);
        return min(Duration.ofMillis((long) Math.min(grown, maxDelay.toMillis())), maxDelay);
    }

    /** The wait after {@code attempt} failed: {@code Retry-After} when given (bounded), else the jittered schedule. */
    public Duration delay(int attempt, Duration retryAfter) {
        if (retryAfter != null) return min(retryAfter.isNegative() ? Duration.ZERO : retryAfter, maxRetryAfter);
        long nominal = nominalDelay(attempt).toMillis();
        long spread = (long) (nominal * jitter);
        long jittered = spread == 0 ? nominal : nominal + ThreadLocalRandom.current().nextLong(-spread, spread + 1);
        return Duration.ofMillis(Math.max(0, jittered));
    }

    public RetryPolicy with(List<Duration> newSchedule, Integer newMaxAttempts, Duration newMaxAge, Double newJitter) {
        return new RetryPolicy(newSchedule == null ? schedule : newSchedule, growth, maxDelay,
                newJitter == null ? jitter : newJitter, newMaxAttempts == null ? maxAttempts : newMaxAttempts,
                newMaxAge == null ? maxAge : newMaxAge, maxRetryAfter);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
