package dev.history.fulfillment;

import dev.history.common.EventRules;
import dev.history.common.EventRules.FieldError;
import dev.history.common.HistoryCommand;
import dev.history.common.Ids;
import dev.history.common.Timestamps;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The timeline entries a request leaves under its {@code eventParent}. Ids derive from the request id, so
 * writing one again (a retry of the write, a replay) never duplicates it in the timeline. Every entry goes
 * through the same {@link EventRules} as an event posted to the gateway; its source is
 * {@code FULFILLMENT_CHILD_SOURCE} (a registered code, checked at start), its channel digital.
 */
final class ChildEvents {
    static final String ORIGIN = "fulfillment-worker";
    static final String CHANNEL = "digital";

    /** A child event the rules refuse: its request was accepted before the rules applied to it. */
    static final class Refused extends IllegalArgumentException {
        final List<FieldError> errors;

        Refused(String requestId, List<FieldError> errors) {
            super("child event of request " + requestId + " refused: " + errors, null);
            this.errors = errors;
        }
    }

    private final EventRules rules;
    private final String source;

    /** @param source the child events' source code; must be registered in {@code rules} */
    ChildEvents(EventRules rules, String source) {
        if (!rules.sources().contains(source)) {
            throw new IllegalArgumentException("child event source '" + source + "' is not a registered source code");
        }
        this.rules = rules;
        this.source = source;
    }

    /**
     * Why the rules would refuse {@code r}'s child events, named as the request's fields ({@code username},
     * {@code eventParent}); empty when they accept them.
     */
    List<FieldError> refusals(FulfillmentRequest r) {
        return check(r, Ids.stable(r.id(), "requested"), r.taskName() + " requested").errors().stream()
                .map(e -> e.field().equals("parent")
                        ? new FieldError("eventParent", "eventParent" + e.message().substring("parent".length()))
                        : e)
                .toList();
    }

    HistoryCommand requested(FulfillmentRequest r) {
        return event(r, Ids.stable(r.id(), "requested"), r.taskName() + " requested");
    }

    HistoryCommand attemptFailed(FulfillmentRequest r, int attempt, Outcome outcome, Instant nextAt) {
        return attemptFailed(r, 0, attempt, outcome, nextAt);
    }

    HistoryCommand attemptFailed(FulfillmentRequest r, int generation, int attempt, Outcome outcome, Instant nextAt) {
        return event(r, id(r, generation, "attempt", Integer.toString(attempt)),
                r.taskName() + " attempt " + attempt + " failed: " + outcome.describe()
                        + ", next try at " + Timestamps.format(nextAt));
    }

    HistoryCommand succeeded(FulfillmentRequest r, int attempt) {
        return succeeded(r, 0, attempt);
    }

    HistoryCommand succeeded(FulfillmentRequest r, int generation, int attempt) {
        return event(r, id(r, generation, "succeeded"),
                r.taskName() + " succeeded" + (attempt > 1 ? " after " + attempt + " attempts" : ""));
    }

    HistoryCommand failed(FulfillmentRequest r, int attempts, String reason) {
        return failed(r, 0, attempts, reason);
    }

    HistoryCommand failed(FulfillmentRequest r, int generation, int attempts, String reason) {
        return event(r, id(r, generation, "failed"),
                r.taskName() + " failed after " + attempts + (attempts == 1 ? " attempt: " : " attempts: ") + reason);
    }

    /** The start of redriven chain {@code generation} (1 for the first redrive); id {@code (id, "redriven", n)}. */
    HistoryCommand redriven(FulfillmentRequest r, int generation) {
        return event(r, Ids.stable(r.id(), "redriven", Integer.toString(generation)),
                r.taskName() + " redriven" + (generation > 1 ? " (" + generation + " times)" : ""));
    }

    /**
     * The original chain keeps its ids ({@code (id, "attempt", n)}, ...); redriven chain n prefixes them with
     * {@code "redrive", n}, so its events are new timeline entries, yet still stable across rewrites.
     */
    private static String id(FulfillmentRequest r, int generation, String... parts) {
        if (generation == 0) {
            String[] all = new String[parts.length + 1];
            all[0] = r.id();
            System.arraycopy(parts, 0, all, 1, parts.length);
            return Ids.stable(all);
        }
        String[] all = new String[parts.length + 3];
        all[0] = r.id();
        all[1] = "redrive";
        all[2] = Integer.toString(generation);
        System.arraycopy(parts, 0, all, 3, parts.length);
        return Ids.stable(all);
    }

    /** @throws Refused when the rules refuse the event (only a request accepted before they applied) */
    private HistoryCommand event(FulfillmentRequest r, String id, String note) {
        EventRules.Result result = check(r, id, note);
        if (!result.valid()) throw new Refused(r.id(), result.errors());
        return result.command(ORIGIN);
    }

    private EventRules.Result check(FulfillmentRequest r, String id, String note) {
        String parent = r.eventParent() == null ? "" : r.eventParent().trim();
        Map<String, String> fields = new HashMap<>();
        fields.put("username", r.username());
        fields.put("source", source);
        fields.put("channel", CHANNEL);
        fields.put("parent", parent);
        fields.put("level", parent.isEmpty() ? "1" : "2");
        fields.put("id", id);
        fields.put("note", fitted(note));
        return rules.check(fields, Instant.now(), username -> id);
    }

    /** The worker's own text (task name, an error description) is cut to the note limit, never refused. */
    private String fitted(String note) {
        int max = rules.limits().note();
        return note.length() <= max ? note : note.substring(0, max - 1) + "…";
    }
}
