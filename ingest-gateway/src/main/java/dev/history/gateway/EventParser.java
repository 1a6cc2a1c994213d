package dev.history.gateway;

import dev.history.common.EventRules;
import dev.history.common.HistoryCommand;
import dev.history.common.Ids;
import dev.history.common.http.ApiError;
import dev.history.common.http.Fields;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the fields of one submitted event into an {@code add} command, or an {@link ApiError} naming
 * the field at fault. What is valid is decided by {@link EventRules} (shared with every other writer of
 * history events); this class only reads the body's fields and maps the first error to a 400. Assigns the
 * id when the event has none (derived from the Idempotency-Key, else a fresh time-ordered id).
 */
final class EventParser {
    private static final List<String> FIELDS = EventRules.FIELDS;

    private final EventRules rules;

    EventParser(EventRules rules) {
        this.rules = rules;
    }

    /**
     * @param idempotencyKey the request's Idempotency-Key (for a batch, already made unique per item), or null
     */
    HistoryCommand parse(Fields fields, String idempotencyKey) {
        // Fields are read in the order the rules check them; a field that cannot be read as text (an object,
        // an array, a boolean) is reported unless the rules refuse an earlier field.
        Map<String, String> raw = new HashMap<>();
        ApiError unreadable = null;
        int unreadableAt = FIELDS.size();
        for (int i = 0; i < FIELDS.size() && unreadable == null; i++) {
            try {
                raw.put(FIELDS.get(i), fields.text(FIELDS.get(i)));
            } catch (ApiError e) {
                unreadable = e;
                unreadableAt = i;
            }
        }
        EventRules.Result result = rules.check(raw, Instant.now(),
                username -> idempotencyKey == null ? Ids.next() : Ids.stable(username, idempotencyKey));
        if (!result.valid()) {
            EventRules.FieldError first = result.errors().get(0);
            if (FIELDS.indexOf(first.field()) < unreadableAt) throw ApiError.badField(first.field(), first.message());
        }
        if (unreadable != null) throw unreadable;
        return result.command("gateway");
    }

    /** The customer named by {@code username} (trimmed), or a 400 naming the field. */
    String username(Fields fields) {
        EventRules.Result result = rules.checkUsername(fields.text("username"));
        if (!result.valid()) {
            EventRules.FieldError error = result.errors().get(0);
            throw ApiError.badField(error.field(), error.message());
        }
        return result.username();
    }
}
