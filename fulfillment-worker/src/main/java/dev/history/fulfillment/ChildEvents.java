package dev.history.fulfillment;

import dev.history.common.HistoryCommand;
import dev.history.common.HistoryEvent;
import dev.history.common.Ids;
import dev.history.common.Timestamps;
import java.time.Instant;

/**
 * The timeline entries a request leaves under its {@code eventParent}. Ids derive from the request id, so
 * writing one again (a retry of the write, a replay) never duplicates it in the timeline.
 */
final class ChildEvents {
    static final String ORIGIN = "fulfillment-worker";
    private static final String SOURCE = "agent";
    private static final String CHANNEL = "digital";

    private ChildEvents() {}

    static HistoryCommand requested(FulfillmentRequest r) {
        return event(r, Ids.stable(r.id(), "requested"), r.taskName() + " requested");
    }

    static HistoryCommand attemptFailed(FulfillmentRequest r, int attempt, Outcome outcome, Instant nextAt) {
        return attemptFailed(r, 0, attempt, outcome, nextAt);
    }

    static HistoryCommand attemptFailed(FulfillmentRequest r, int generation, int attempt, Outcome outcome, Instant nextAt) {
        return event(r, id(r, generation, "attempt", Integer.toString(attempt)),
                r.taskName() + " attempt " + attempt + " failed: " + outcome.describe()
                        + ", next try at " + Timestamps.format(nextAt));
    }

    static HistoryCommand succeeded(FulfillmentRequest r, int attempt) {
        return succeeded(r, 0, attempt);
    }

    static HistoryCommand succeeded(FulfillmentRequest r, int generation, int attempt) {
        return event(r, id(r, generation, "succeeded"),
                r.taskName() + " succeeded" + (attempt > 1 ? " after " + attempt + " attempts" : ""));
    }

    static HistoryCommand failed(FulfillmentRequest r, int attempts, String reason) {
        return failed(r, 0, attempts, reason);
    }

    static HistoryCommand failed(FulfillmentRequest r, int generation, int attempts, String reason) {
        return event(r, id(r, generation, "failed"),
                r.taskName() + " failed after " + attempts + (attempts == 1 ? " attempt: " : " attempts: ") + reason);
    }

    /** The start of redriven chain {@code generation} (1 for the first redrive); id {@code (id, "redriven", n)}. */
    static HistoryCommand redriven(FulfillmentRequest r, int generation) {
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

    private static HistoryCommand event(FulfillmentRequest r, String id, String note) {
        String parent = r.eventParent() == null ? "" : r.eventParent().trim();
        HistoryEvent event = new HistoryEvent(id, Timestamps.now(), parent, parent.isEmpty() ? 1 : 2, CHANNEL, SOURCE,
                note, "");
        return HistoryCommand.add(r.username(), event, ORIGIN);
    }
}
