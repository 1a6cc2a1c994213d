package dev.history.ops;

import dev.history.common.Env;
import dev.history.common.HistoryCommand;
import dev.history.common.Json;
import dev.history.common.KafkaSettings;
import dev.history.common.Timestamps;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Re-emits a range of a topic into a target topic with an idempotent {@code acks=all} producer, keeping
 * key, value, timestamp and headers and adding headers that name where each record came from. Into
 * {@code history-events} this creates no duplicate timeline entries: event ids are stable and the
 * topology skips ids it already has.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {
            "Re-emit the records of a topic between two timestamps (or offsets) into a target topic, keeping "
                    + "keys, values, timestamps and headers; adds the headers " + ReplayCommand.HEADER_TOPIC + ", "
                    + ReplayCommand.HEADER_PARTITION + " and " + ReplayCommand.HEADER_OFFSET + ".",
            "Replaying history-events into history-events adds no duplicate events to timelines (ids are stable). "
                    + "The services may keep running."})
final class ReplayCommand extends OpsCommand {
    static final String HEADER_TOPIC = HistoryCommand.REPLAY_SOURCE_TOPIC_HEADER;
    static final String HEADER_PARTITION = "replay-source-partition";
    static final String HEADER_OFFSET = "replay-source-offset";
    private static final Logger LOG = LoggerFactory.getLogger(ReplayCommand.class);
    private static final long PROGRESS_EVERY = 10_000;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic to read.")
    String topic;

    @Option(names = "--target", required = true, paramLabel = "TOPIC",
            description = "Topic to write to (may be the same topic, e.g. history-events).")
    String target;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Range range;

    static final class Range {
        @ArgGroup(exclusive = false, multiplicity = "1")
        TimeRange time;

        @ArgGroup(exclusive = false, multiplicity = "1")
        OffsetRange offsets;
    }

    static final class TimeRange {
        @Option(names = "--from-time", required = true, paramLabel = "ISO-8601",
                description = "First record timestamp to replay, inclusive (e.g. 2026-11-21T05:00:00Z).")
        String from;

        @Option(names = "--to-time", required = true, paramLabel = "ISO-8601",
                description = "End of the range, exclusive.")
        String to;
    }

    static final class OffsetRange {
        @Option(names = "--from-offset", required = true, paramLabel = "N", description = "First offset, inclusive.")
        long from;

        @Option(names = "--to-offset", required = true, paramLabel = "M", description = "End offset, exclusive.")
        long to;

        @Option(names = "--partition", paramLabel = "P",
                description = "Only this partition (offsets are per partition; default: every partition).")
        Integer partition;
    }

    @Option(names = "--skip-resets",
            description = "Do not re-emit history 'reset' commands (a replayed reset only clears events accepted "
                    + "before it, so this is not needed for safety).")
    boolean skipResets;

    @Option(names = "--dry-run", description = "Count what would be replayed; write nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter progress = progress();
        Instant fromTime = null;
        Instant toTime = null;
        if (range.time != null) {
            try {
                fromTime = Timestamps.parse(range.time.from);
                toTime = Timestamps.parse(range.time.to);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            if (!toTime.isAfter(fromTime)) {
                throw new ParameterException(spec.commandLine(), "--to-time must be after --from-time");
            }
        } else if (range.offsets.to < range.offsets.from || range.offsets.from < 0) {
            throw new ParameterException(spec.commandLine(), "need 0 <= --from-offset <= --to-offset");
        }

        Env env = env();
        try (KafkaConnection kafka = openKafka(env, progress)) {
            Map<String, TopicDescription> topics = Offsets.describe(kafka.admin(), new TreeSet<>(List.of(topic, target)));
            List<TopicPartition> partitions = topics.get(topic).partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .filter(tp -> range.offsets == null || range.offsets.partition == null
                            || tp.partition() == range.offsets.partition)
                    .toList();
            if (partitions.isEmpty()) {
                throw new OpsException("topic " + topic + " has no partition " + range.offsets.partition);
            }
            Counts counts = new Counts();
            try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumer("ops-replay");
                 KafkaProducer<byte[], byte[]> producer = dryRun ? null : producer(kafka.settings())) {
                Map<TopicPartition, long[]> bounds = bounds(consumer, partitions, fromTime, toTime);
                long planned = bounds.values().stream().mapToLong(b -> b[1] - b[0]).sum();
                progress.printf("replay %s -> %s: %d partition(s), scanning %d offsets%s%n", topic, target,
                        bounds.size(), planned, dryRun ? " (dry run: nothing will be written)" : "");
                AtomicReference<Exception> failure = new AtomicReference<>();
                for (Map.Entry<TopicPartition, long[]> entry : bounds.entrySet()) {
                    replayPartition(consumer, producer, entry.getKey(), entry.getValue(), fromTime, toTime,
                            counts, failure, progress);
                    if (failure.get() != null) break;
                }
                if (producer != null) producer.flush();
                if (failure.get() != null) {
                    throw new OpsException("writing to " + target + " failed after " + counts.acked.get()
                            + " records: " + failure.get().getMessage() + ". Replaying the same range again is safe"
                            + (isHistoryTopic(env, target) ? " (ids are stable)." : "."), failure.get());
                }
            }
            LOG.info("replayed {} -> {}: read={} written={} skippedOutOfRange={} skippedResets={}",
                    topic, target, counts.read, counts.acked.get(), counts.outOfRange, counts.resets);
            out.printf("replay%s: source=%s target=%s read=%d %s=%d skippedOutsideTimeRange=%d skippedResets=%d%n",
                    dryRun ? " (dry run, nothing written)" : "", topic, target, counts.read,
                    dryRun ? "wouldWrite" : "written", dryRun ? counts.selected : counts.acked.get(),
                    counts.outOfRange, counts.resets);
            return 0;
        }
    }

    /** Per partition [start, end) offsets: from the time index for a time range, clamped to what exists. */
    private Map<TopicPartition, long[]> bounds(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions,
                                               Instant fromTime, Instant toTime) {
        Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Map<TopicPartition, long[]> bounds = new java.util.LinkedHashMap<>();
        if (fromTime != null) {
            Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(timesFor(partitions, fromTime));
            Map<TopicPartition, OffsetAndTimestamp> stops = consumer.offsetsForTimes(timesFor(partitions, toTime));
            for (TopicPartition tp : partitions) {
                long start = starts.get(tp) == null ? end.get(tp) : starts.get(tp).offset();
                long stop = stops.get(tp) == null ? end.get(tp) : stops.get(tp).offset();
                bounds.put(tp, new long[] {start, Math.max(start, stop)});
            }
        } else {
            for (TopicPartition tp : partitions) {
                long start = Math.max(range.offsets.from, beginning.get(tp));
                long stop = Math.min(range.offsets.to, end.get(tp));
                bounds.put(tp, new long[] {start, Math.max(start, stop)});
            }
        }
        return bounds;
    }

    private static Map<TopicPartition, Long> timesFor(List<TopicPartition> partitions, Instant time) {
        Map<TopicPartition, Long> times = new HashMap<>();
        partitions.forEach(tp -> times.put(tp, time.toEpochMilli()));
        return times;
    }

    private void replayPartition(KafkaConsumer<byte[], byte[]> consumer, KafkaProducer<byte[], byte[]> producer,
                                 TopicPartition tp, long[] bound, Instant fromTime, Instant toTime, Counts counts,
                                 AtomicReference<Exception> failure, PrintWriter progress) {
        if (bound[0] >= bound[1]) return;
        PartitionRange.read(consumer, tp, bound[0], bound[1], record -> {
            counts.read++;
            if (fromTime != null && (record.timestamp() < fromTime.toEpochMilli()
                    || record.timestamp() >= toTime.toEpochMilli())) {
                counts.outOfRange++;
            } else if (skipResets && isReset(record.value())) {
                counts.resets++;
            } else {
                counts.selected++;
                if (producer != null) send(producer, record, counts, failure);
            }
            if (counts.read % PROGRESS_EVERY == 0) {
                progress.printf("  %s: %d read, %d written%n", tp, counts.read, counts.acked.get());
            }
            return failure.get() == null;
        });
        progress.printf("  %s: offsets %d..%d done (%d read so far)%n", tp, bound[0], bound[1] - 1, counts.read);
    }

    private void send(KafkaProducer<byte[], byte[]> producer, ConsumerRecord<byte[], byte[]> record, Counts counts,
                      AtomicReference<Exception> failure) {
        Headers headers = new RecordHeaders(record.headers().toArray());
        headers.remove(HEADER_TOPIC);
        headers.remove(HEADER_PARTITION);
        headers.remove(HEADER_OFFSET);
        headers.add(HEADER_TOPIC, record.topic().getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_PARTITION, Integer.toString(record.partition()).getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_OFFSET, Long.toString(record.offset()).getBytes(StandardCharsets.UTF_8));
        // No partition: the target's partitioner places the key, so a customer's records stay on its partition.
        producer.send(new ProducerRecord<>(target, null, record.timestamp(), record.key(), record.value(), headers),
                (metadata, error) -> {
                    if (error != null) failure.compareAndSet(null, error);
                    else counts.acked.incrementAndGet();
                });
    }

    private static boolean isReset(byte[] value) {
        if (value == null) return false;
        try {
            JsonNode node = Json.MAPPER.readTree(value);
            return node != null && "reset".equals(node.path("type").asText());
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static boolean isHistoryTopic(Env env, String name) {
        return KafkaSettings.from(env).topics().historyEvents().equals(name);
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaSettings settings) {
        // acks=all + idempotence: a retried send is never written twice.
        Properties props = settings.producer("ops-replay");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static final class Counts {
        long read;
        long selected;
        long outOfRange;
        long resets;
        final AtomicLong acked = new AtomicLong();
    }
}
