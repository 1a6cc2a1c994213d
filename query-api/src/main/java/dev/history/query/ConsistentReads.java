package dev.history.query;

import dev.history.common.ConsistencyToken;
import dev.history.common.http.ApiError;
import dev.history.common.http.Responses;
import io.javalin.http.Context;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one read path of every store-backed route: find the key's owner, forward (with the token) when
 * it is another instance, and answer locally only from a partition that has caught up with its input
 * ({@link CatchUp}) and, when the request presents a {@code Consistency-Token}, has processed the
 * token's position for that partition ({@link PositionWaits}; bounded, async, 503 on timeout). Token
 * entries for other topics or partitions do not concern this read and are ignored.
 *
 * <p>Standby answers (owner unreachable or unknown) carry {@code X-History-Standby: true}. A standby holds
 * what the owner had committed, so it answers only when that is everything acknowledged so far
 * ({@link CatchUp#standbyComplete}, checked off the request thread), else 503; a read with a token never gets one.
 */
final class ConsistentReads {
    private static final Logger LOG = LoggerFactory.getLogger(ConsistentReads.class);

    /** Writes the answer from this instance's store partition (throws {@link ApiError} for error answers). */
    interface Answer {
        void answer(int partition, boolean standby);
    }

    private final KeyLocator locator;
    private final Forwarder forwarder;
    private final CatchUp catchUp;
    private final PositionWaits waits;
    private final long waitMs;

    ConsistentReads(KeyLocator locator, Forwarder forwarder, CatchUp catchUp, PositionWaits waits, long waitMs) {
        this.locator = locator;
        this.forwarder = forwarder;
        this.catchUp = catchUp;
        this.waits = waits;
        this.waitMs = waitMs;
    }

    /** The token a read presents (header, or {@code consistency} query parameter); null when none; 400 when malformed. */
    static ConsistencyToken token(Context ctx) {
        String header = ctx.header(ConsistencyToken.HEADER);
        if (header != null && !header.isBlank()) return ConsistencyToken.parse(header, ConsistencyToken.HEADER);
        return ConsistencyToken.parse(ctx.queryParam(ConsistencyToken.QUERY_PARAM), ConsistencyToken.QUERY_PARAM);
    }

    void serve(Context ctx, String store, String key, Answer answer) {
        ConsistencyToken token = token(ctx);
        Placement placement = locator.locate(store, key);
        boolean standbyAllowed = placement.standbyHere() && token == null;
        if (placement.ownerUnknown()) {
            if (!standbyAllowed) throw ApiError.unavailable("the instance owning this customer is not known right now", 1);
            ctx.future(() -> catchUp.standbyComplete(store, placement.partition()).thenRun(() -> {
                ctx.header(Forwarder.STANDBY_HEADER, "true");
                answer.answer(placement.partition(), true);
            }));
            return;
        }
        if (!placement.isLocal()) {
            forwarder.forward(ctx, placement.remote(), standbyAllowed
                    ? () -> catchUp.standbyComplete(store, placement.partition()).thenRun(() -> answer.answer(placement.partition(), true))
                    : null);
            return;
        }
        int partition = placement.partition();
        catchUp.requireCaughtUp(store, partition);
        TopicPartition input = catchUp.inputOf(store, partition);
        Long offset = token == null ? null : token.forTopic(input.topic()).get(partition);
        if (offset == null) {
            answer.answer(partition, false);
            return;
        }
        ctx.future(() -> waits.await(input, offset, waitMs).thenAccept(reached -> {
            try {
                if (!reached) {
                    throw new ApiError(503, "this instance has not yet reached the position of the Consistency-Token; retry",
                            Map.of("retryAfterSeconds", 1, "partition", input.toString(), "offset", offset));
                }
                catchUp.requireCaughtUp(store, partition);
                answer.answer(partition, false);
            } catch (ApiError e) {
                Responses.error(ctx, e);
            } catch (RuntimeException e) {
                LOG.error("read of {} key={} failed after its consistency wait", store, key, e);
                Responses.error(ctx, 500, "internal error", Map.of());
            }
        }));
    }
}
