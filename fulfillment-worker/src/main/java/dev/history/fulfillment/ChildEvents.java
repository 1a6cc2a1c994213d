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
        return event(r, Ids.stable(r.id(), "attempt", Integer.toString(attempt)),
                r.taskName() + " attempt " + attempt + " failed: " + outcome.describe()
                        + ", next try at " + Timestamps.format(nextAt));
    }

    static HistoryCommand succeeded(FulfillmentRequest r, int attempt) {
        return event(r, Ids.stable(r.id(), "succeeded"),
                r.taskName() + " succeeded" + (attempt > 1 ? " after " + attempt + " attempts" : ""));
    }

    static HistoryCommand failed(FulfillmentRequest r, int attempts, String reason) {
        return event(r, Ids.stable(r.id(), "failed"),
                r.taskName() + " failed after " + attempts + (attempts == 1 ? " attempt: " : " attempts: ") + reason);
    }

    private static HistoryCommand event(FulfillmentRequest r, String id, String note) {
        String parent = r.eventParent() == null ? "" : r.eventParent().trim();
        HistoryEvent event = new HistoryEvent(id, Timestamps.now(), parent, parent.isEmpty() ? 1 : 2, CHANNEL, SOURCE,
                note, "");
        return HistoryCommand.add(r.username(), event, ORIGIN);
    }
}
