package dev.history.common;

/**
 * A record on the {@code history-events} topic, keyed by username. The topic is the source of truth:
 * replaying it from the beginning rebuilds every timeline, resets included.
 *
 * @param type  {@link #ADD} or {@link #RESET}
 * @param event the event for {@link #ADD}; null for {@link #RESET}
 * @param origin who wrote it (e.g. "gateway", "fulfillment-worker"), for operators
 */
public record HistoryCommand(String type, String username, HistoryEvent event, String origin) {
    /** Header that {@code ops replay} puts on every re-emitted record (naming the source topic). */
    public static final String REPLAY_SOURCE_TOPIC_HEADER = "replay-source-topic";

    public static final String ADD = "add";
    public static final String RESET = "reset";

    public static HistoryCommand add(String username, HistoryEvent event, String origin) {
        return new HistoryCommand(ADD, username, event, origin);
    }

    public static HistoryCommand reset(String username, String origin) {
        return new HistoryCommand(RESET, username, null, origin);
    }
}
