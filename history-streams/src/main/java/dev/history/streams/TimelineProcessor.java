package dev.history.streams;

import dev.history.common.HistoryCommand;
import dev.history.common.Timestamps;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.history.query.StoreNames;
import dev.history.query.TimelineKeys;
import dev.history.query.TimelineChanges;
import dev.history.query.ProcessedOffsets;
import dev.history.query.TimelineListener;

/**
 * Applies history commands to the timeline stores: an {@code add} is one put (skipped when the event
 * id is already in the timeline, so client retries and topic replays never duplicate), a
 * {@code reset} deletes what the customer's timeline held.
 *
 * <p>Live records (and a rebuild from the beginning) apply in topic order: a reset clears everything
 * before it, everything after it stays. Records re-emitted by {@code ops replay} (marked with
 * {@link HistoryCommand#REPLAY_SOURCE_TOPIC_HEADER}) arrive out of that order, so for them resets are
 * ordered by acceptance time (the record timestamp, which replay keeps): every reset leaves a
 * watermark, a replayed add accepted before it is ignored, and a replayed reset only clears events
 * accepted up to its own time. Replaying an old range therefore neither resurrects cleared events nor
 * clears newer ones. (Live adds are not held to the watermark: gateway clocks may differ slightly.)
 */
final class TimelineProcessor extends TrackedProcessor<String, TimelineCommand, Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(TimelineProcessor.class);

    private KeyValueStore<Bytes, byte[]> timeline;
    private KeyValueStore<Bytes, byte[]> ids;
    private long fallbackSequence;
    private final TimelineListener listener;

    TimelineProcessor(ProcessedOffsets progress, TimelineListener listener) {
        super(progress);
        this.listener = listener;
    }

    @Override
    protected void open(ProcessorContext<Void, Void> context) {
        this.timeline = context.getStateStore(StoreNames.TIMELINE);
        this.ids = context.getStateStore(StoreNames.TIMELINE_IDS);
    }

    @Override
    public void close() {
        super.close();
        if (context != null) listener.released(context.taskId().partition());
    }

    /** @throws PoisonRecordException for a record that is not a history command (dead-lettered by the handler) */
    @Override
    protected void apply(Record<String, TimelineCommand> record) {
        TimelineCommand command = record.value();
        String username = record.key();
        if (username == null) throw new PoisonRecordException("history record without key (username)");
        if (command == null) throw new PoisonRecordException("history record without value");
        if (command.type() == null) throw new PoisonRecordException("history record without type: not a history command");
        switch (command.type()) {
            case HistoryCommand.ADD -> add(username, command, record.timestamp(), replayed(record));
            case HistoryCommand.RESET -> reset(username, replayed(record) ? record.timestamp() : Long.MAX_VALUE,
                    record.timestamp(), context.recordMetadata().map(RecordMetadata::offset).orElse(fallbackSequence++));
            default -> throw new PoisonRecordException("unknown history command type '" + command.type() + "'");
        }
    }

    private static boolean replayed(Record<String, TimelineCommand> record) {
        return record.headers().lastHeader(HistoryCommand.REPLAY_SOURCE_TOPIC_HEADER) != null;
    }

    /** The event's JSON is stored as the record carries it ({@link TimelineCommand}): no re-serialisation. */
    private void add(String username, TimelineCommand command, long recordTimestamp, boolean replayed) {
        String id = command.eventId();
        if (command.eventJson() == null || id == null) throw new PoisonRecordException("add without event id");
        Bytes idKey = TimelineKeys.idKey(username, id);
        if (ids.get(idKey) != null) {
            LOG.debug("duplicate event id={} key={} at {} ignored", id, username, where());
            return;
        }
        if (replayed && recordTimestamp < resetWatermark(username)) {
            LOG.debug("event id={} key={} at {} was accepted before a later reset; ignored", id, username, where());
            return;
        }
        long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(fallbackSequence++);
        byte[] order = TimelineKeys.order(millis(command.eventTimestamp(), recordTimestamp), offset);
        byte[] json = command.eventJson();
        timeline.put(TimelineKeys.eventKey(username, order), json);
        ids.put(idKey, ByteBuffer.allocate(TimelineKeys.ORDER_BYTES + 8).put(order).putLong(recordTimestamp).array());
        listener.added(username, context.taskId().partition(), offset, json);
    }

    /**
     * Removes every event accepted at or before {@code acceptedUpTo} (everything, for a live reset) and
     * raises the customer's reset watermark to {@code resetTime}; the watermark also keeps the reset's
     * source offset (read by {@link TimelineChanges#resetOffset}, so a resuming live stream knows whether a
     * reset happened after what it last saw).
     */
    private void reset(String username, long acceptedUpTo, long resetTime, long offset) {
        Bytes watermarkKey = TimelineKeys.prefixStart(username);
        ids.put(watermarkKey, ByteBuffer.allocate(16).putLong(Math.max(resetTime, resetWatermark(username)))
                .putLong(Math.max(offset, TimelineChanges.resetOffset(ids, username))).array());
        List<KeyValue<Bytes, byte[]>> cleared = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = ids.range(watermarkKey, TimelineKeys.prefixEnd(username))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                if (entry.key.equals(watermarkKey)) continue;
                ByteBuffer value = ByteBuffer.wrap(entry.value);
                long accepted = entry.value.length >= TimelineKeys.ORDER_BYTES + 8
                        ? value.getLong(TimelineKeys.ORDER_BYTES) : Long.MIN_VALUE;
                if (accepted <= acceptedUpTo) cleared.add(entry);
            }
        }
        for (KeyValue<Bytes, byte[]> entry : cleared) {
            timeline.delete(TimelineKeys.eventKey(username, Arrays.copyOf(entry.value, TimelineKeys.ORDER_BYTES)));
            ids.delete(entry.key);
        }
        LOG.info("timeline reset key={} removed={} at {}", username, cleared.size(), where());
        listener.reset(username, context.taskId().partition(), offset);
    }

    /** Events accepted before this time were cleared by a reset (stored under the bare prefix: no event id is empty). */
    private long resetWatermark(String username) {
        byte[] value = ids.get(TimelineKeys.prefixStart(username));
        return value == null ? Long.MIN_VALUE : ByteBuffer.wrap(value).getLong();
    }

    private static long millis(String timestamp, long fallback) {
        if (timestamp == null) return fallback;
        long canonical = Timestamps.canonicalMillis(timestamp); // what the gateway writes: no DateTimeFormatter
        if (canonical != Timestamps.NOT_CANONICAL) return canonical;
        try {
            return Instant.parse(timestamp).toEpochMilli();
        } catch (DateTimeParseException e) {
            return fallback;
        }
    }

    private String where() {
        return context.recordMetadata()
                .map(m -> m.topic() + "/" + m.partition() + "@" + m.offset())
                .orElse("(no source record)");
    }
}
