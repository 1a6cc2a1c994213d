package dev.history.gateway.adapters;

import dev.history.common.ConsistencyToken;
import dev.history.common.EventRules;
import dev.history.common.HistoryCommand;
import dev.history.common.http.ApiError;
import dev.history.gateway.HistoryWriter;
import dev.history.gateway.KafkaFailures;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Checks adapter events with the same {@link EventRules} as {@code POST /history} (an event the gateway
 * refuses, an adapter refuses too, with the same error) and writes them with the gateway's
 * {@link HistoryWriter} ({@code acks=all}); the future completes with the position of every write.
 */
final class TimelineWriter {
    private final EventRules rules;
    private final HistoryWriter writer;

    TimelineWriter(EventRules rules, HistoryWriter writer) {
        this.rules = rules;
        this.writer = writer;
    }

    /**
     * The {@code add} command of one event, or a 400 naming the first field at fault.
     *
     * @param fields the event's fields by {@link EventRules#FIELDS} name, {@code id} included
     */
    HistoryCommand command(String username, Map<String, String> fields, String origin) {
        Map<String, String> all = new HashMap<>(fields);
        all.put("username", username);
        EventRules.Result result = rules.check(all, Instant.now(), u -> {
            throw new IllegalStateException("adapter events always carry their id");
        });
        if (!result.valid()) {
            EventRules.FieldError first = result.errors().get(0);
            throw ApiError.badField(first.field(), first.message());
        }
        return result.command(origin);
    }

    /** Checks {@code fields} before the customer is known (a placeholder username), so a bad event costs no lookup. */
    void precheck(Map<String, String> fields) {
        command("-", fields, "check");
    }

    /**
     * Writes the commands in order, all at once (AsyncSends' one sender thread keeps their order, and they share
     * the customer's partition): one broker round trip, not one per command. Fails with the {@link ApiError} to
     * answer (503, 413) when one is not stored; the caller's retry is deduplicated by the events' ids.
     */
    CompletableFuture<ConsistencyToken> write(List<HistoryCommand> commands) {
        List<CompletableFuture<ConsistencyToken>> sent = commands.stream()
                .map(command -> writer.send(command).handle((metadata, error) -> {
                    if (error != null) throw KafkaFailures.toApiError(error);
                    return ConsistencyToken.of(metadata.topic(), metadata.partition(), metadata.offset());
                }))
                .toList();
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
                .thenApply(all -> sent.stream().map(CompletableFuture::join).reduce(ConsistencyToken.empty(), ConsistencyToken::merge));
    }
}
