package dev.history.gateway;

import dev.history.common.HistoryCommand;
import dev.history.common.HistoryEvent;
import dev.history.common.Ids;
import dev.history.common.Timestamps;
import dev.history.common.http.ApiError;
import dev.history.common.http.Fields;
import java.util.Locale;
import java.util.Set;

/**
 * Turns the fields of one submitted event into an {@code add} command, or an {@link ApiError} naming
 * the field at fault. Assigns the id (client {@code id}, else derived from the Idempotency-Key, else a
 * fresh time-ordered id) and the server timestamp (a client {@code timestamp} is kept for backfills).
 */
final class EventParser {
    static final Set<String> CHANNELS = Set.of("voice", "digital");
    static final int MAX_USERNAME = 256;
    static final int MAX_NOTE = 8000;
    static final int MAX_LINK = 2048;

    private final SourceRegistry sources;

    EventParser(SourceRegistry sources) {
        this.sources = sources;
    }

    /**
     * @param idempotencyKey the request's Idempotency-Key (for a batch, already made unique per item), or null
     */
    HistoryCommand parse(Fields fields, String idempotencyKey) {
        String username = username(fields);
        String source = required(fields, "source").toLowerCase(Locale.ROOT);
        if (!sources.contains(source)) {
            throw ApiError.badField("source", "unknown source '" + source + "'; known: "
                    + String.join(", ", sources.defaultChannels().keySet().stream().sorted().toList()));
        }
        String channel = optional(fields, "channel", 32);
        channel = channel == null ? sources.defaultChannel(source) : channel.toLowerCase(Locale.ROOT);
        if (!CHANNELS.contains(channel)) throw ApiError.badField("channel", "channel must be 'voice' or 'digital'");
        String parent = optional(fields, "parent", 128);
        HistoryEvent event = new HistoryEvent(
                id(fields, username, idempotencyKey),
                timestamp(fields),
                parent == null ? "" : parent,
                level(fields),
                channel,
                source,
                orEmpty(optional(fields, "note", MAX_NOTE)),
                orEmpty(optional(fields, "link", MAX_LINK)));
        return HistoryCommand.add(username, event, "gateway");
    }

    static String username(Fields fields) {
        String username = required(fields, "username").trim();
        if (username.isEmpty()) throw ApiError.badField("username", "username is required");
        if (username.length() > MAX_USERNAME) {
            throw ApiError.badField("username", "username is longer than " + MAX_USERNAME + " characters");
        }
        return username;
    }

    private static String id(Fields fields, String username, String idempotencyKey) {
        String id = fields.text("id");
        if (id != null) {
            if (!Ids.isValidClientId(id)) {
                throw ApiError.badField("id", "id must be 1-128 characters of letters, digits and . _ : @ -");
            }
            return id;
        }
        return idempotencyKey == null ? Ids.next() : Ids.stable(username, idempotencyKey);
    }

    private static String timestamp(Fields fields) {
        String text = fields.text("timestamp");
        if (text == null) return Timestamps.now();
        try {
            return Timestamps.format(Timestamps.parse(text));
        } catch (IllegalArgumentException e) {
            throw ApiError.badField("timestamp", "timestamp must be ISO-8601 with an offset, e.g. 2026-01-31T12:00:00Z");
        }
    }

    private static int level(Fields fields) {
        String text = fields.text("level");
        if (text == null) return 1;
        return switch (text.trim()) {
            case "1", "1.0" -> 1;
            case "2", "2.0" -> 2;
            default -> throw ApiError.badField("level", "level must be 1 or 2");
        };
    }

    private static String required(Fields fields, String name) {
        String value = fields.text(name);
        if (value == null || value.isBlank()) throw ApiError.badField(name, name + " is required");
        return value;
    }

    private static String optional(Fields fields, String name, int maxLength) {
        String value = fields.text(name);
        if (value != null && value.length() > maxLength) {
            throw ApiError.badField(name, name + " is longer than " + maxLength + " characters");
        }
        return value;
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
