package dev.history.streams;

import dev.history.common.HistoryCommand;
import dev.history.common.HistoryEvent;
import dev.history.common.Json;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies history commands to the timeline stores: an {@code add} is one put (skipped when the event
 * id is already in the timeline, so client retries and topic replays never duplicate), a
 * {@code reset} deletes the customer's key range.
 */
final class TimelineProcessor implements Processor<String, HistoryCommand, Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(TimelineProcessor.class);

    private ProcessorContext<Void, Void> context;
    private KeyValueStore<Bytes, byte[]> timeline;
    private KeyValueStore<Bytes, byte[]> ids;
    private long fallbackSequence;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.timeline = context.getStateStore(StoreNames.TIMELINE);
        this.ids = context.getStateStore(StoreNames.TIMELINE_IDS);
    }

    @Override
    public void process(Record<String, HistoryCommand> record) {
        HistoryCommand command = record.value();
        String username = record.key() != null ? record.key() : command == null ? null : command.username();
        if (command == null || username == null) {
            LOG.warn("skipping history record without key or value at {}", where());
            return;
        }
        switch (command.type()) {
            case HistoryCommand.ADD -> add(username, command.event(), record.timestamp());
            case HistoryCommand.RESET -> reset(username);
            default -> LOG.warn("skipping unknown history command type '{}' key={} at {}", command.type(), username, where());
        }
    }

    private void add(String username, HistoryEvent event, long recordTimestamp) {
        if (event == null || event.id() == null) {
            LOG.warn("skipping add without event id key={} at {}", username, where());
            return;
        }
        Bytes idKey = TimelineKeys.idKey(username, event.id());
        if (ids.get(idKey) != null) {
            LOG.debug("duplicate event id={} key={} at {} ignored", event.id(), username, where());
            return;
        }
        long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(fallbackSequence++);
        byte[] order = TimelineKeys.order(millis(event.timestamp(), recordTimestamp), offset);
        timeline.put(TimelineKeys.eventKey(username, order), Json.write(event));
        ids.put(idKey, order);
    }

    private void reset(String username) {
        int removed = deleteRange(timeline, username);
        deleteRange(ids, username);
        LOG.info("timeline reset key={} removed={} at {}", username, removed, where());
    }

    private static int deleteRange(KeyValueStore<Bytes, byte[]> store, String username) {
        List<Bytes> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it =
                store.range(TimelineKeys.prefixStart(username), TimelineKeys.prefixEnd(username))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                keys.add(entry.key);
            }
        }
        keys.forEach(store::delete);
        return keys.size();
    }

    private static long millis(String timestamp, long fallback) {
        try {
            return timestamp == null ? fallback : Instant.parse(timestamp).toEpochMilli();
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
