package dev.history.common;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * What a valid history event is — the one definition every writer of {@code history-events} applies (the
 * ingest gateway, the fulfillment worker's child events, any adapter): required fields, limits, the id
 * format, level 1|2 (numbers may arrive as strings), channel voice|digital with the source's default, the
 * source registry, timestamps. Pure: raw text fields in, a {@link HistoryEvent} or the field errors out;
 * reading a request body and mapping errors to HTTP stays with the caller.
 *
 * <p>Fields are checked in {@link #FIELDS} order and errors are listed in that order; the gateway answers
 * with the first one.
 */
public final class EventRules {
    public static final Set<String> CHANNELS = Set.of("voice", "digital");
    /** The fields of an event, in the order they are checked. */
    public static final List<String> FIELDS =
            List.of("username", "source", "channel", "parent", "id", "timestamp", "level", "note", "link");
    public static final int MAX_CHANNEL = 32;
    public static final int MAX_PARENT = 128;

    /** Length limits (characters). */
    public record Limits(int username, int note, int link) {
        public static final Limits DEFAULT = new Limits(256, 8000, 2048);
    }

    /** One field at fault and the sentence that says why (the error text clients see). */
    public record FieldError(String field, String message) {}

    /**
     * The outcome of a check: the trimmed {@code username} and the {@code event} when {@code errors} is
     * empty (for {@link #checkUsername}, only the username), else the errors in {@link #FIELDS} order.
     */
    public record Result(String username, HistoryEvent event, List<FieldError> errors) {
        public boolean valid() {
            return errors.isEmpty();
        }

        /** The {@code add} command of a valid event; {@code origin} names the writer. */
        public HistoryCommand command(String origin) {
            if (!valid()) throw new IllegalStateException("invalid event: " + errors);
            return HistoryCommand.add(username, event, origin);
        }
    }

    private final SourceRegistry sources;
    private final Limits limits;

    public EventRules(SourceRegistry sources, Limits limits) {
        this.sources = sources;
        this.limits = limits;
    }

    public EventRules(SourceRegistry sources) {
        this(sources, Limits.DEFAULT);
    }

    /** The rules with {@code HISTORY_SOURCES} from {@code env} and the default limits. */
    public static EventRules from(Env env) {
        return new EventRules(SourceRegistry.from(env));
    }

    public SourceRegistry sources() {
        return sources;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Checks one event.
     *
     * @param fields the raw text of each field by name (absent, null or empty = not given); values are
     *     taken as they came, e.g. a level {@code "2"} or {@code "2.0"}, a source in any case
     * @param now the timestamp of an event that gives none
     * @param idWhenAbsent the id of an event that gives none, from its (valid, trimmed) username
     */
    public Result check(Map<String, String> fields, Instant now, Function<String, String> idWhenAbsent) {
        List<FieldError> errors = new ArrayList<>();
        String username = username(given(fields, "username"), errors);
        String source = source(given(fields, "source"), errors);
        String channel = channel(given(fields, "channel"), source, errors);
        String parent = maxLength("parent", given(fields, "parent"), MAX_PARENT, errors);
        String id = id(given(fields, "id"), errors);
        String timestamp = timestamp(given(fields, "timestamp"), now, errors);
        int level = level(given(fields, "level"), errors);
        String note = maxLength("note", given(fields, "note"), limits.note(), errors);
        String link = maxLength("link", given(fields, "link"), limits.link(), errors);
        if (!errors.isEmpty()) return new Result(null, null, List.copyOf(errors));
        HistoryEvent event = new HistoryEvent(id != null ? id : idWhenAbsent.apply(username), timestamp,
                orEmpty(parent), level, channel, source, orEmpty(note), orEmpty(link));
        return new Result(username, event, List.of());
    }

    /** Checks a username alone (e.g. the customer of a timeline reset); the result's username is trimmed. */
    public Result checkUsername(String raw) {
        List<FieldError> errors = new ArrayList<>();
        String username = username(raw == null || raw.isEmpty() ? null : raw, errors);
        return new Result(errors.isEmpty() ? username : null, null, List.copyOf(errors));
    }

    private String username(String raw, List<FieldError> errors) {
        if (raw == null || raw.isBlank()) return error(errors, "username", "username is required");
        String username = raw.trim();
        if (username.isEmpty()) return error(errors, "username", "username is required");
        if (username.length() > limits.username()) {
            return error(errors, "username", "username is longer than " + limits.username() + " characters");
        }
        return username;
    }

    private String source(String raw, List<FieldError> errors) {
        if (raw == null || raw.isBlank()) return error(errors, "source", "source is required");
        String source = raw.toLowerCase(Locale.ROOT);
        if (!sources.contains(source)) {
            return error(errors, "source", "unknown source '" + source + "'; known: " + String.join(", ", sources.codes()));
        }
        return source;
    }

    /** @param source the valid source, or null when it is not (then an absent channel is not an error of its own) */
    private String channel(String raw, String source, List<FieldError> errors) {
        if (raw == null) return source == null ? null : sources.defaultChannel(source);
        if (raw.length() > MAX_CHANNEL) {
            return error(errors, "channel", "channel is longer than " + MAX_CHANNEL + " characters");
        }
        String channel = raw.toLowerCase(Locale.ROOT);
        if (!CHANNELS.contains(channel)) return error(errors, "channel", "channel must be 'voice' or 'digital'");
        return channel;
    }

    private static String id(String raw, List<FieldError> errors) {
        if (raw != null && !Ids.isValidClientId(raw)) {
            return error(errors, "id", "id must be 1-128 characters of letters, digits and . _ : @ -");
        }
        return raw;
    }

    private static String timestamp(String raw, Instant now, List<FieldError> errors) {
        if (raw == null) return Timestamps.format(now);
        try {
            return Timestamps.format(Timestamps.parse(raw));
        } catch (IllegalArgumentException e) {
            return error(errors, "timestamp", "timestamp must be ISO-8601 with an offset, e.g. 2026-01-31T12:00:00Z");
        }
    }

    private static int level(String raw, List<FieldError> errors) {
        if (raw == null) return 1;
        return switch (raw.trim()) {
            case "1", "1.0" -> 1;
            case "2", "2.0" -> 2;
            default -> {
                error(errors, "level", "level must be 1 or 2");
                yield 0;
            }
        };
    }

    private static String maxLength(String field, String raw, int max, List<FieldError> errors) {
        if (raw != null && raw.length() > max) return error(errors, field, field + " is longer than " + max + " characters");
        return raw;
    }

    private static String given(Map<String, String> fields, String name) {
        String value = fields.get(name);
        return value == null || value.isEmpty() ? null : value;
    }

    private static <T> T error(List<FieldError> errors, String field, String message) {
        errors.add(new FieldError(field, message));
        return null;
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
