package dev.history.gateway.adapters;

import dev.history.common.ConsistencyToken;
import dev.history.common.http.ApiError;
import dev.history.common.http.RequestBodies;
import dev.history.common.http.Responses;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * {@code POST /events}: CloudEvents 1.0 in structured, batched or binary mode ({@link CloudEventReader}), each
 * mapped to a history event ({@link CloudEventIngest}). A single event is answered like {@code POST /history}
 * ({@code 200 {"id"}} with a {@code Consistency-Token}); a batch like {@code POST /history/batch} (one answer
 * per element, in order: valid elements are written even if others are refused).
 */
final class CloudEventsRoutes implements Consumer<JavalinConfig> {
    private final CloudEventReader reader = new CloudEventReader();
    private final CloudEventIngest ingest;
    private final int maxEventBytes;
    private final long maxBatchBytes;
    private final int batchMaxItems;

    CloudEventsRoutes(CloudEventIngest ingest, int maxEventBytes, long maxBatchBytes, int batchMaxItems) {
        this.ingest = ingest;
        this.maxEventBytes = maxEventBytes;
        this.maxBatchBytes = maxBatchBytes;
        this.batchMaxItems = batchMaxItems;
    }

    @Override
    public void accept(JavalinConfig javalin) {
        javalin.routes.post("/events", this::receive);
    }

    private void receive(Context ctx) {
        CloudEventReader.Mode mode = reader.mode(ctx);
        if (mode == CloudEventReader.Mode.BATCH) {
            batch(ctx, reader.batch(RequestBodies.bytes(ctx, maxBatchBytes), batchMaxItems));
            return;
        }
        CompletableFuture<CloudEventIngest.Stored> result = ingest.ingest(reader.single(ctx, RequestBodies.bytes(ctx, maxEventBytes), mode));
        ctx.future(() -> result.handle((written, error) -> {
            if (error != null) {
                Responses.error(ctx, apiError(error));
            } else {
                ctx.header(ConsistencyToken.HEADER, written.token().encode());
                Responses.json(ctx, 200, Map.of("id", written.id()));
            }
            return null;
        }));
    }

    private void batch(Context ctx, List<CloudEventReader.Item> items) {
        List<CompletableFuture<Object>> results = new ArrayList<>(items.size());
        for (CloudEventReader.Item item : items) {
            CompletableFuture<CloudEventIngest.Stored> written;
            try {
                if (item.error() != null) throw item.error();
                written = ingest.ingest(item.event());
            } catch (ApiError e) {
                written = CompletableFuture.failedFuture(e);
            }
            results.add(written.handle((stored, error) -> error == null ? stored : Responses.item(apiError(error))));
        }
        ctx.future(() -> CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenRun(() -> {
            ConsistencyToken token = ConsistencyToken.empty();
            List<Object> body = new ArrayList<>();
            for (CompletableFuture<Object> result : results) {
                Object value = result.join();
                if (value instanceof CloudEventIngest.Stored stored) {
                    token = token.merge(stored.token());
                    body.add(Map.of("id", stored.id()));
                } else {
                    body.add(value);
                }
            }
            if (!token.isEmpty()) ctx.header(ConsistencyToken.HEADER, token.encode());
            Responses.json(ctx, 200, body);
        }));
    }

    static ApiError apiError(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof ApiError api ? api : ApiError.unavailable("event not stored (" + cause.getClass().getSimpleName() + "); retry", 1);
    }
}
