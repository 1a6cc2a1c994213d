package dev.history.query;

import dev.history.common.http.ApiError;
import dev.history.common.privacy.Privacy;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * {@code GET /history/stream?username=U}: a customer's timeline changes as Server-Sent Events. The
 * instance owning the customer serves it from {@link TimelineHub}; any other instance relays the
 * owner's stream ({@link SseForwarder}). Message ids are source offsets: with {@code Last-Event-ID}
 * (header, or {@code lastEventId} query parameter for a client that opens a new EventSource) the
 * stream first replays what the store holds after that offset. {@code ticket} is accepted and
 * ignored for now: it is the seam for short-lived stream tickets once authentication is on.
 */
final class StreamRoutes implements Consumer<JavalinConfig> {
    static final String PATH = "/history/stream";

    private final KeyLocator locator;
    private final KafkaStreams streams;
    private final HostInfo self;
    private final TimelineHub hub;
    private final SseForwarder forwarder;
    private final CatchUp catchUp;

    private final Privacy privacy;

    StreamRoutes(KeyLocator locator, CatchUp catchUp, KafkaStreams streams, HostInfo self, TimelineHub hub, Privacy privacy) {
        this.privacy = privacy;
        this.locator = locator;
        this.catchUp = catchUp;
        this.streams = streams;
        this.self = self;
        this.hub = hub;
        this.forwarder = new SseForwarder(hub);
        hub.ownershipCheck(this::stillOwned);
    }

    @Override
    public void accept(JavalinConfig config) {
        config.routes.get(PATH, this::stream);
    }

    private void stream(Context ctx) {
        String username = ctx.queryParam("username");
        if (username == null || username.isBlank()) throw ApiError.badField("username", "username is required");
        username = username.trim();
        Long after = lastEventId(ctx);
        if (!hub.tryOpen()) {
            throw new ApiError(503, "too many open streams on this instance; retry (another instance may have room)",
                    Map.of("retryAfterSeconds", 2, "limit", hub.settings().maxPerInstance()));
        }
        boolean handedOver = false;
        try {
            Placement placement = locator.locate(StoreNames.TIMELINE, privacy.customer(username));
            if (placement.isLocal()) {
                serve(ctx, username, placement.partition(), after);
            } else {
                forwarder.relay(ctx, placement.remote(), username);
            }
            handedOver = true;
        } finally {
            if (!handedOver) hub.release();
        }
    }

    /** Owner side: subscribe first, then read the store, then hand over to live (see {@link LiveStream}). */
    private void serve(Context ctx, String display, int partition, Long after) {
        String username = privacy.customer(display); // the store key
        // A store still catching up (restored, or reprocessing after a move) could hand over with a gap.
        catchUp.requireCaughtUp(StoreNames.TIMELINE, partition);
        SseConnection connection = hub.connection(ctx, username + "@" + partition, true);
        LiveStream live = hub.subscribe(username, display, partition, connection);
        if (live == null) {
            connection.close("refused");
            ctx.header("Retry-After", "5");
            throw new ApiError(429, "too many open streams for this customer",
                    Map.of("field", "username", "limit", hub.settings().maxPerCustomer(), "retryAfterSeconds", 5));
        }
        List<LiveStream.Message> replay = new ArrayList<>();
        long position;
        try {
            position = after != null ? after : read(partition, (ids, timeline) -> TimelineChanges.lastOffset(ids, username));
            if (after != null) {
                read(partition, (ids, timeline) -> {
                    long reset = TimelineChanges.resetOffset(ids, username);
                    if (reset > after) replay.add(new LiveStream.Message(reset, TimelineHub.resetFrame(display, reset)));
                    for (TimelineChanges.Change change : TimelineChanges.after(ids, timeline, username, after)) {
                        byte[] opened = hub.open(username, change.eventJson());
                        if (opened != null) replay.add(new LiveStream.Message(change.offset(), SseFrames.event(change.offset(), "added", opened)));
                    }
                    return null;
                });
            }
        } catch (RuntimeException e) {
            connection.close("store not readable");
            throw e;
        }
        connection.onClose(hub::release);
        connection.send(SseFrames.opening(hub.settings().retryMs(), display, position, after != null), false);
        live.goLive(replay, position);
        SseConnection.prepare(ctx);
        ctx.future(connection::start);
    }

    private interface StoreRead<R> {
        R apply(ReadOnlyKeyValueStore<Bytes, byte[]> ids, ReadOnlyKeyValueStore<Bytes, byte[]> timeline);
    }

    private <R> R read(int partition, StoreRead<R> reader) {
        return locator.read(StoreNames.TIMELINE_IDS, QueryableStoreTypes.<Bytes, byte[]>keyValueStore(), partition,
                ids -> locator.read(StoreNames.TIMELINE, QueryableStoreTypes.<Bytes, byte[]>keyValueStore(), partition,
                        timeline -> reader.apply(ids, timeline)));
    }

    /** Still the active owner? Unknown metadata (mid-rebalance) keeps the stream: a closed task is reported separately. */
    private boolean stillOwned(LiveStream stream) {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) return false;
        try {
            KeyQueryMetadata metadata = streams.queryMetadataForKey(StoreNames.TIMELINE, stream.username, Serdes.String().serializer());
            return metadata == null || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata) || self.equals(metadata.activeHost());
        } catch (IllegalStateException e) {
            return true;
        }
    }

    private static Long lastEventId(Context ctx) {
        String text = ctx.header("Last-Event-ID");
        if (text == null || text.isBlank()) text = ctx.queryParam("lastEventId");
        if (text == null || text.isBlank()) return null;
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw ApiError.badField("Last-Event-ID", "Last-Event-ID must be the id of a message of this stream");
        }
    }
}
