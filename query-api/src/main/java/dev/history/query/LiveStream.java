package dev.history.query;

import java.util.ArrayList;
import java.util.List;

/**
 * One customer's live stream on the instance that owns the customer. Subscribed before the store is
 * read, it buffers the changes it hears while the replay is prepared; {@link #goLive} then sends the
 * replay and drains that buffer, skipping offsets already sent. Offsets only grow within a partition,
 * so "send only what is newer than the last id sent" means no gap and no duplicate.
 */
final class LiveStream {
    /** A framed message and the offset (its id) it carries. */
    record Message(long offset, byte[] frame) {}

    final String username;
    final String display;
    final int partition;
    final SseConnection connection;
    private final int maxPending;
    private final Runnable onSlow;
    private List<Message> pending = new ArrayList<>();
    private long lastSent = Long.MIN_VALUE;

    LiveStream(String username, String display, int partition, SseConnection connection, int maxPending, Runnable onSlow) {
        this.username = username;
        this.display = display;
        this.partition = partition;
        this.connection = connection;
        this.maxPending = maxPending;
        this.onSlow = onSlow;
    }

    /** A change just materialised (stream thread; never blocks). */
    synchronized void offer(long offset, byte[] frame) {
        if (pending != null) {
            if (pending.size() >= maxPending) onSlow.run();
            else pending.add(new Message(offset, frame));
            return;
        }
        if (offset <= lastSent) return;
        lastSent = offset;
        if (!connection.send(frame, true)) onSlow.run();
    }

    /**
     * Sends the replay (ascending offsets) and then what was heard meanwhile and is newer.
     *
     * @param position the offset the client already has everything up to
     */
    synchronized void goLive(List<Message> replay, long position) {
        lastSent = position;
        for (Message message : replay) {
            if (message.offset() <= lastSent) continue;
            connection.send(message.frame(), false);
            lastSent = message.offset();
        }
        List<Message> heard = pending;
        pending = null;
        for (Message message : heard) offer(message.offset(), message.frame());
    }
}
