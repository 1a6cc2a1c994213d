package dev.history.ops;

import dev.history.common.Env;
import dev.history.common.Json;
import dev.history.common.Timestamps;
import dev.history.fulfillment.DeadLetters;
import dev.history.fulfillment.FulfillmentRequest;
import dev.history.fulfillment.FulfillmentStatus;
import dev.history.fulfillment.FulfillmentTopics;
import dev.history.fulfillment.Redrive;
import dev.history.fulfillment.RetryRecord;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Sends dead-lettered fulfillment requests back to the worker as a new attempt chain with the same
 * request id (so the same {@code webhook-id}). For each selected dead letter of chain {@code n} (header
 * {@code redrives}, absent = 0) it writes attempt 1 of chain {@code n + 1} to the retries topic: a
 * {@link RetryRecord} carrying a {@link Redrive} marker, keyed by request id, with an idempotent
 * {@code acks=all} producer. The worker starts a chain once (see {@link Redrive}); this command skips dead
 * letters whose request's status already shows a later chain, so running it twice redrives nothing twice.
 */
@Command(name = "redrive", mixinStandardHelpOptions = true,
        description = {
            "Send dead-lettered fulfillment requests back for delivery: all of them, or those of a task, a time "
                    + "range (failed-at) or request ids. Each becomes a new attempt chain (attempts count from 1, the "
                    + "retry schedule applies again) with the same request id / webhook-id.",
            "Safe to run twice: a dead letter whose request was already redriven is skipped and counted. "
                    + "The services may keep running."})
final class RedriveCommand extends OpsCommand {
    static final String HEADER_REDRIVE_OF = "redrive-of";
    private static final Logger LOG = LoggerFactory.getLogger(RedriveCommand.class);
    private static final long PROGRESS_EVERY = 10_000;

    @Option(names = "--task", paramLabel = "NAME_OR_ID",
            description = "Only dead letters of this task (its id, e.g. replace-card, or its name, e.g. 'Replace card'; "
                    + "case-insensitive).")
    String task;

    @Option(names = "--id", paramLabel = "REQUEST_ID", split = ",",
            description = "Only these request ids (repeat the flag or separate with commas).")
    List<String> ids;

    @ArgGroup(exclusive = false)
    TimeRange time;

    static final class TimeRange {
        @Option(names = "--from-time", required = true, paramLabel = "ISO-8601",
                description = "Only dead letters that failed at or after this time (header failed-at, else the record "
                        + "timestamp), e.g. 2026-11-21T05:00:00Z.")
        String from;

        @Option(names = "--to-time", required = true, paramLabel = "ISO-8601",
                description = "End of the range, exclusive.")
        String to;
    }

    @Option(names = "--dry-run", description = "List and count what would be redriven; write nothing.")
    boolean dryRun;

    /** One selected dead letter: the request, the chain that gave up and where the dead letter is. */
    private record Candidate(FulfillmentRequest request, int generation, RetryRecord.Origin origin, String deadLetter,
                             String failedAt) {}

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter progress = progress();
        Instant fromTime = null;
        Instant toTime = null;
        if (time != null) {
            try {
                fromTime = Timestamps.parse(time.from);
                toTime = Timestamps.parse(time.to);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            if (!toTime.isAfter(fromTime)) {
                throw new ParameterException(spec.commandLine(), "--to-time must be after --from-time");
            }
        }
        Set<String> wantedIds = ids == null ? null : new HashSet<>(ids.stream().map(String::trim).toList());

        Env env = env();
        FulfillmentTopics topics = FulfillmentTopics.from(env);
        try (KafkaConnection kafka = openKafka(env, progress)) {
            Map<String, TopicDescription> described = Offsets.describe(kafka.admin(),
                    new LinkedHashSet<>(List.of(topics.deadLetters(), topics.status(), topics.retries())));
            Counts counts = new Counts();
            List<Candidate> candidates = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            Instant from = fromTime;
            Instant to = toTime;
            try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumer("ops-redrive")) {
                progress.printf("redrive: reading dead letters from %s%s%n", topics.deadLetters(),
                        dryRun ? " (dry run: nothing will be written)" : "");
                scan(consumer, described.get(topics.deadLetters()), progress, record -> {
                    counts.read++;
                    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
                    if (wantedIds != null && (key == null || !wantedIds.contains(key))) return;
                    String failedAtHeader = header(record, DeadLetters.FAILED_AT);
                    Instant failedAt = failedAt(failedAtHeader, record.timestamp());
                    if (from != null && (failedAt.isBefore(from) || !failedAt.isBefore(to))) return;
                    FulfillmentRequest request = request(record.value());
                    if (task != null && !matchesTask(header(record, DeadLetters.TASK), request)) return;
                    counts.matched++;
                    String where = record.topic() + "/" + record.partition() + "/" + record.offset();
                    if (request == null) {
                        // e.g. a record the worker could not read at all: there is no request to send again
                        counts.unreadable++;
                        progress.printf("  skip %s (key %s): not a fulfillment request (%s)%n", where, key,
                                header(record, DeadLetters.LAST_ERROR));
                        return;
                    }
                    int generation = generation(header(record, DeadLetters.REDRIVES));
                    // The same failure can be dead-lettered twice (an outcome rewritten after a crash): one chain.
                    if (!seen.add(request.id() + "/" + generation)) {
                        counts.duplicates++;
                        return;
                    }
                    candidates.add(new Candidate(request, generation, origin(record), where, Timestamps.format(failedAt)));
                });
                Map<String, FulfillmentStatus> statuses = candidates.isEmpty() ? Map.of()
                        : statuses(consumer, described.get(topics.status()), candidates, progress);
                List<Candidate> toRedrive = new ArrayList<>();
                for (Candidate c : candidates) {
                    FulfillmentStatus status = statuses.get(c.request().id());
                    if (status != null && status.redrives() > c.generation()) {
                        counts.alreadyRedriven++;
                        progress.printf("  skip %s: already redriven (request is on chain %d, state %s)%n",
                                c.request().id(), status.redrives(), status.state());
                    } else if (status != null && !FulfillmentStatus.FAILED.equals(status.state())) {
                        counts.notFailed++;
                        progress.printf("  skip %s: status is %s, not failed%n", c.request().id(), status.state());
                    } else {
                        toRedrive.add(c);
                        progress.printf("  %s %s task=%s failed-at=%s dead-letter=%s -> chain %d%n",
                                dryRun ? "would redrive" : "redrive", c.request().id(), c.request().taskId(),
                                c.failedAt(), c.deadLetter(), c.generation() + 1);
                    }
                }
                if (!dryRun && !toRedrive.isEmpty()) write(kafka, topics.retries(), toRedrive, counts);
            }
            LOG.info("redrive {}: read={} matched={} redriven={} skippedAlreadyRedriven={}", topics.deadLetters(),
                    counts.read, counts.matched, counts.acked.get(), counts.alreadyRedriven);
            long selected = counts.matched - counts.unreadable - counts.duplicates - counts.alreadyRedriven - counts.notFailed;
            out.printf("redrive%s: source=%s target=%s read=%d matched=%d %s=%d skippedAlreadyRedriven=%d "
                            + "skippedNotFailed=%d skippedDuplicates=%d skippedUnreadable=%d%n",
                    dryRun ? " (dry run, nothing written)" : "", topics.deadLetters(), topics.retries(), counts.read,
                    counts.matched, dryRun ? "wouldRedrive" : "redriven", dryRun ? selected : counts.acked.get(),
                    counts.alreadyRedriven, counts.notFailed, counts.duplicates, counts.unreadable);
            return 0;
        }
    }

    /** Reads every partition of {@code topic} from its first offset to its end offset as of now. */
    private static void scan(KafkaConsumer<byte[], byte[]> consumer, TopicDescription topic, PrintWriter progress,
                             Consumer<ConsumerRecord<byte[], byte[]>> each) {
        List<TopicPartition> partitions = topic.partitions().stream()
                .map(p -> new TopicPartition(topic.name(), p.partition())).toList();
        Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long[] read = {0};
        for (TopicPartition tp : partitions) {
            PartitionRange.read(consumer, tp, beginning.get(tp), end.get(tp), record -> {
                each.accept(record);
                if (++read[0] % PROGRESS_EVERY == 0) progress.printf("  %s: %d records read%n", topic.name(), read[0]);
                return true;
            });
        }
        consumer.assign(List.of());
    }

    /** The latest status of each candidate's request, from the compacted status topic. */
    private static Map<String, FulfillmentStatus> statuses(KafkaConsumer<byte[], byte[]> consumer, TopicDescription topic,
                                                           List<Candidate> candidates, PrintWriter progress) {
        Set<String> wanted = new HashSet<>();
        candidates.forEach(c -> wanted.add(c.request().id()));
        Map<String, FulfillmentStatus> statuses = new HashMap<>();
        progress.printf("redrive: reading %s for %d request(s)%n", topic.name(), wanted.size());
        scan(consumer, topic, progress, record -> {
            String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
            if (key == null || !wanted.contains(key)) return;
            if (record.value() == null) {
                statuses.remove(key);
                return;
            }
            try {
                FulfillmentStatus status = Json.read(record.value(), FulfillmentStatus.class);
                statuses.merge(key, status, (a, b) -> b.newerThan(a) ? b : a);
            } catch (RuntimeException e) {
                LOG.debug("unreadable status record {}/{}/{}: {}", record.topic(), record.partition(), record.offset(),
                        e.toString());
            }
        });
        return statuses;
    }

    private static void write(KafkaConnection kafka, String target, List<Candidate> toRedrive, Counts counts) {
        AtomicReference<Exception> failure = new AtomicReference<>();
        String now = Timestamps.now();
        // acks=all + idempotence: a retried send is never written twice.
        Properties props = kafka.settings().producer("ops-redrive");
        try (KafkaProducer<String, byte[]> producer =
                     new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (Candidate c : toRedrive) {
                RetryRecord record = new RetryRecord(c.request(), 1, 0, c.origin(),
                        new Redrive(c.generation() + 1, c.deadLetter(), now));
                Headers headers = new RecordHeaders();
                headers.add(HEADER_REDRIVE_OF, c.deadLetter().getBytes(StandardCharsets.UTF_8));
                // Key = request id: the retries topic's partitioner puts it with the request's other records.
                producer.send(new ProducerRecord<>(target, null, c.request().id(), Json.write(record), headers),
                        (metadata, error) -> {
                            if (error != null) failure.compareAndSet(null, error);
                            else counts.acked.incrementAndGet();
                        });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new OpsException("writing to " + target + " failed after " + counts.acked.get() + " of "
                    + toRedrive.size() + " redrive records: " + failure.get().getMessage()
                    + ". Running the same command again is safe (each dead letter starts one chain).", failure.get());
        }
    }

    private boolean matchesTask(String taskHeader, FulfillmentRequest request) {
        if (taskHeader != null && taskHeader.equalsIgnoreCase(task)) return true;
        return request != null && (task.equalsIgnoreCase(request.taskId())
                || (request.taskName() != null && task.equalsIgnoreCase(request.taskName())));
    }

    private static FulfillmentRequest request(byte[] value) {
        if (value == null) return null;
        try {
            FulfillmentRequest r = Json.read(value, FulfillmentRequest.class);
            return r.id() == null || r.username() == null || r.taskId() == null ? null : r;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static RetryRecord.Origin origin(ConsumerRecord<byte[], byte[]> record) {
        String topic = header(record, DeadLetters.ORIGINAL_TOPIC);
        String partition = header(record, DeadLetters.ORIGINAL_PARTITION);
        String offset = header(record, DeadLetters.ORIGINAL_OFFSET);
        try {
            if (topic != null && partition != null && offset != null) {
                return new RetryRecord.Origin(topic, Integer.parseInt(partition), Long.parseLong(offset));
            }
        } catch (NumberFormatException e) {
            // fall through: point at the dead letter itself
        }
        return new RetryRecord.Origin(record.topic(), record.partition(), record.offset());
    }

    private static Instant failedAt(String header, long timestamp) {
        if (header != null && !header.isBlank()) {
            try {
                return Timestamps.parse(header);
            } catch (IllegalArgumentException e) {
                // fall back to the record timestamp
            }
        }
        return Instant.ofEpochMilli(timestamp);
    }

    private static int generation(String header) {
        try {
            return header == null || header.isBlank() ? 0 : Integer.parseInt(header.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static final class Counts {
        long read;
        long matched;
        long unreadable;
        long duplicates;
        long alreadyRedriven;
        long notFailed;
        final AtomicLong acked = new AtomicLong();
    }
}
