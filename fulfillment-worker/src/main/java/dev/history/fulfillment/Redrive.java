package dev.history.fulfillment;

/**
 * Marks a redriven attempt chain: carried by every retry record of a chain started by
 * {@code ops redrive} (null on the original chain, which is generation 0).
 *
 * <p>Design. A request's attempts form chains; the original chain is generation 0 and each redrive
 * starts generation {@code n + 1} after generation {@code n} ended in the dead-letter topic. The
 * generation is the redrive marker:
 * <ul>
 *   <li>every dead letter says which generation gave up (header {@link DeadLetters#REDRIVES}, absent = 0);
 *   <li>{@code ops redrive} writes a {@link RetryRecord} for attempt 1 with {@code redrive.generation =
 *       n + 1} to the retries topic (same key = request id, same partition);
 *   <li>the status record carries the generation it describes ({@link FulfillmentStatus#redrives()}); the
 *       status view orders records by (redrives, version), so a new chain, whose attempts count from 1
 *       again, supersedes the failed one and never moves backwards;
 *   <li>the worker starts a redrive record only when the status says generation {@code n} {@code failed}
 *       (or has no status any more). It first writes the status of the new chain (state {@code pending},
 *       no attempts) and the "&lt;task&gt; redriven" child event, then runs attempt 1. A redrive record read
 *       again (crash, replay, a second {@code ops redrive}) finds generation {@code n + 1} recorded and is
 *       skipped unless its attempt 1 was never recorded. Duplicate dead letters of one failure (an outcome
 *       rewritten after a crash) carry the same generation, so they start at most one chain.
 * </ul>
 * The request id, and so the {@code webhook-id}, never changes; child event ids of generation {@code n > 0}
 * include {@code n} so a new chain's "attempt 1 failed" or "failed" is not taken for the old one's.
 *
 * @param generation the chain this record belongs to, 1 for the first redrive
 * @param deadLetter the dead letter it redrives, {@code topic/partition/offset} (for people and logs)
 * @param requestedAt when the redrive was requested: the chain's start for {@code FULFILLMENT_MAX_AGE}
 */
public record Redrive(int generation, String deadLetter, String requestedAt) {}
