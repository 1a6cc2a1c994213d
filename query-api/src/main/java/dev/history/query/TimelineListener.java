package dev.history.query;

/**
 * Told by the timeline processor about every change it materialised, on the stream thread, after the
 * store write (so a reader that hears of a change finds it in the store). Only real changes are
 * reported: an add whose event id is already stored writes nothing and reports nothing. Offsets are
 * those of the {@code history-events} record that made the change; the partition is fixed by the
 * username, so they order one customer's changes. Implementations must not block or throw.
 */
public interface TimelineListener {
    TimelineListener NONE = new TimelineListener() {
        @Override
        public void added(String username, int partition, long offset, byte[] eventJson) {}

        @Override
        public void reset(String username, int partition, long offset) {}
    };

    /** An event was stored; {@code eventJson} is the element exactly as {@code GET /history} returns it. */
    void added(String username, int partition, long offset, byte[] eventJson);

    /** The customer's timeline was cleared by the reset at {@code offset}. */
    void reset(String username, int partition, long offset);

    /** This instance stopped processing the partition (task closed: moved, revoked or failed). */
    default void released(int partition) {}
}
