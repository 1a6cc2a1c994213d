package dev.history.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.ConsistencyToken;
import dev.history.common.HistoryCommand;
import dev.history.common.http.ApiError;
import dev.history.common.http.Fields;
import dev.history.common.http.RequestBodies;
import dev.history.common.http.Responses;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The write side of the history contract: {@code POST /history}, {@code POST /history/batch} and
 * {@code DELETE /history}. Every answer waits for the broker's acknowledgement, so a 200 is durable.
 */
public final class GatewayRoutes implements Consumer<JavalinConfig> {
    private final GatewayConfig config;
    private final EventParser parser;
    private final HistoryWriter writer;

    public GatewayRoutes(GatewayConfig config, HistoryWriter writer) {
        this.config = config;
        this.parser = new EventParser(config.rules());
        this.writer = writer;
    }

    @Override
    public void accept(JavalinConfig javalin) {
        javalin.routes.post("/history", this::add);
        javalin.routes.post("/history/batch", this::addBatch);
        javalin.routes.delete("/history", this::reset);
    }

    private void add(Context ctx) {
        HistoryCommand command = parser.parse(RequestBodies.fields(ctx, config.maxEventBytes()), idempotencyKey(ctx));
        write(ctx, command, Map.of("id", command.event().id()));
    }

    /** Each item is validated and written on its own: one bad item does not stop the others. */
    private void addBatch(Context ctx) {
        RequestBodies.kind(ctx, false);
        JsonNode items = RequestBodies.json(RequestBodies.bytes(ctx, config.http().maxRequestBytes()));
        if (!items.isArray()) throw new ApiError(400, "body must be a JSON array of events", Map.of("field", "body"));
        if (items.isEmpty()) throw new ApiError(400, "batch is empty", Map.of("field", "body"));
        if (items.size() > config.batchMaxItems()) {
            throw new ApiError(413, "batch has " + items.size() + " events; the limit is " + config.batchMaxItems(),
                    Map.of("limit", config.batchMaxItems()));
        }
        String key = idempotencyKey(ctx);
        List<CompletableFuture<Map<String, Object>>> results = new ArrayList<>(items.size());
        AtomicReference<ConsistencyToken> token = new AtomicReference<>(ConsistencyToken.empty());
        for (int i = 0; i < items.size(); i++) {
            results.add(addItem(items.get(i), key == null ? null : key + "#" + i, token));
        }
        ctx.future(() -> CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenRun(() -> {
            List<Map<String, Object>> body = results.stream().map(CompletableFuture::join).toList();
            if (!token.get().isEmpty()) ctx.header(ConsistencyToken.HEADER, token.get().encode());
            boolean anyStored = body.stream().anyMatch(r -> r.containsKey("id"));
            boolean anyUnavailable = body.stream().anyMatch(r -> Integer.valueOf(503).equals(r.get("status")));
            if (!anyStored && anyUnavailable) {
                Responses.error(ctx, new ApiError(503, "no event stored: Kafka unavailable; retry the batch",
                        Map.of("retryAfterSeconds", 1)));
            } else {
                Responses.json(ctx, 200, body);
            }
        }));
    }

    /** @param token accumulates the position of every stored item: the batch answer's token covers them all */
    private CompletableFuture<Map<String, Object>> addItem(JsonNode item, String idempotencyKey,
            AtomicReference<ConsistencyToken> token) {
        try {
            if (!item.isObject()) throw new ApiError(400, "each batch item must be a JSON object", Map.of("field", "body"));
            HistoryCommand command = parser.parse(Fields.of(item), idempotencyKey);
            return writer.send(command)
                    .thenApply(metadata -> {
                        token.accumulateAndGet(token(metadata), ConsistencyToken::merge);
                        return Map.<String, Object>of("id", command.event().id());
                    })
                    .exceptionally(error -> Responses.item(KafkaFailures.toApiError(error)));
        } catch (ApiError e) {
            return CompletableFuture.completedFuture(Responses.item(e));
        }
    }

    /** Clears a timeline by writing a reset command, so replaying the topic reproduces the clear. */
    private void reset(Context ctx) {
        Fields fields = ctx.body().isEmpty() ? ctx::queryParam : RequestBodies.fields(ctx, config.maxEventBytes());
        String username = parser.username(fields);
        write(ctx, HistoryCommand.reset(username, "gateway"), Map.of("username", username, "cleared", true));
    }

    /**
     * Answers {@code body} once the command is acknowledged, with the position it was stored at in the
     * {@code Consistency-Token} header; 503 (or 413) when it was not stored.
     */
    private void write(Context ctx, HistoryCommand command, Map<String, Object> body) {
        ctx.future(() -> writer.send(command).handle((metadata, error) -> {
            if (error != null) {
                Responses.error(ctx, KafkaFailures.toApiError(error));
            } else {
                ctx.header(ConsistencyToken.HEADER, token(metadata).encode());
                Responses.json(ctx, 200, body);
            }
            return null;
        }));
    }

    private static ConsistencyToken token(RecordMetadata metadata) {
        return ConsistencyToken.of(metadata.topic(), metadata.partition(), metadata.offset());
    }

    private static String idempotencyKey(Context ctx) {
        String key = ctx.header("Idempotency-Key");
        if (key == null || key.isBlank()) return null;
        if (key.length() > 255) throw ApiError.badField("Idempotency-Key", "Idempotency-Key is longer than 255 characters");
        return key.trim();
    }
}
