package dev.history.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.history.common.Env;
import dev.history.common.Json;
import dev.history.common.privacy.ErasureSettings;
import dev.history.common.privacy.Privacy;
import dev.history.common.privacy.SealException;
import dev.history.common.KafkaSettings;
import dev.history.common.Timestamps;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A customer's raw records as NDJSON. Records are keyed by username, so only the one partition the key
 * maps to is read (computed as the default partitioner does), from its beginning to its current end.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {
            "Print a customer's raw records as NDJSON on stdout: one object per line with topic, partition, "
                    + "offset, timestamp, key and value (the record's JSON; a string if it is not JSON; null for a "
                    + "tombstone).",
            "Reads only the partition the username maps to; read-only, the services may keep running."})
final class ExportCommand extends OpsCommand {
    private static final long PROGRESS_EVERY = 50_000;

    @Option(names = "--username", required = true, paramLabel = "U", description = "The customer (the record key).")
    String username;

    @Option(names = "--topic", paramLabel = "TOPIC",
            description = "Topic to read (default: TOPIC_HISTORY_EVENTS, i.e. history-events; customer-profiles works too).")
    String topic;

    @Option(names = "--dry-run", description = "Print which partition and offset range would be read; print no records.")
    boolean dryRun;

    @Option(names = "--sealed", description = "Print sealed fields as they are on the topic (default: opened with the "
            + "customer's data key; a field whose key was deleted by a forget prints as \"[erased]\").")
    boolean sealed;

    /** The partition the default partitioner gives a key: murmur2 of the serialised key, modulo the partition count. */
    static int partitionFor(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter progress = progress();
        Env env = env();
        String name = topic != null ? topic : KafkaSettings.from(env).topics().historyEvents();
        ErasureSettings erasure = ErasureSettings.fromEnvOrDataDir(env);
        try (KafkaConnection kafka = openKafka(env, progress);
                Privacy privacy = Privacy.start(erasure, kafka.settings(), "ops-export")) {
            // With crypto-shredding on, records are keyed by the customer's pseudonym.
            String recordKey = privacy.customer(username);
            TopicDescription description = Offsets.describe(kafka.admin(), Set.of(name)).get(name);
            TopicPartition tp = new TopicPartition(name, partitionFor(recordKey, description.partitions().size()));
            byte[] key = recordKey.getBytes(StandardCharsets.UTF_8);
            long[] counts = {0, 0}; // scanned, exported
            try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumer("ops-export")) {
                consumer.assign(List.of(tp));
                long start = consumer.beginningOffsets(List.of(tp)).get(tp);
                long end = consumer.endOffsets(List.of(tp)).get(tp);
                progress.printf("export %s from %s: offsets %d..%d%n", username, tp, start, end - 1);
                if (dryRun) {
                    out.printf("export (dry run, no records printed): topic=%s partition=%d offsets=%d..%d scan=%d%n",
                            name, tp.partition(), start, end - 1, end - start);
                    return 0;
                }
                PartitionRange.read(consumer, tp, start, end, record -> {
                    if (++counts[0] % PROGRESS_EVERY == 0) progress.printf("  scanned %d of %d%n", counts[0], end - start);
                    if (Arrays.equals(key, record.key())) {
                        ObjectNode line = line(record, sealed ? null : privacy);
                        if (!sealed && !recordKey.equals(username)) named(line, recordKey, username);
                        out.println(Json.writeString(line));
                        counts[1]++;
                    }
                    return true;
                });
            }
            out.flush();
            progress.printf("exported %d record(s) for %s from %s (%d scanned)%n", counts[1], username, tp, counts[0]);
            return 0;
        }
    }

    private static ObjectNode line(ConsumerRecord<byte[], byte[]> record, Privacy privacy) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("topic", record.topic());
        line.put("partition", record.partition());
        line.put("offset", record.offset());
        line.put("timestamp", Timestamps.format(Instant.ofEpochMilli(record.timestamp())));
        line.put("key", record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8));
        JsonNode value = value(record.value());
        line.set("value", privacy == null ? value : open(privacy, value));
        return line;
    }

    /** Opened for an operator: the username where the record has the customer's pseudonym (kept as recordKey). */
    private static void named(ObjectNode line, String pseudonym, String username) {
        line.put("recordKey", pseudonym);
        line.put("key", username);
        if (line.get("value") instanceof ObjectNode value && pseudonym.equals(value.path("username").asText())) {
            value.put("username", username);
        }
    }

    /** Every sealed string in the value opened (an erased customer's: "[erased]"). */
    static JsonNode open(Privacy privacy, JsonNode node) {
        if (node.isTextual() && Privacy.isSealed(node.asText())) {
            try {
                return Json.MAPPER.getNodeFactory().textNode(privacy.open(node.asText()));
            } catch (SealException e) {
                return Json.MAPPER.getNodeFactory().textNode("[erased]");
            }
        }
        if (node.isObject()) {
            ObjectNode copy = Json.MAPPER.createObjectNode();
            node.fields().forEachRemaining(f -> copy.set(f.getKey(), open(privacy, f.getValue())));
            return copy;
        }
        return node;
    }

    private static JsonNode value(byte[] value) {
        if (value == null) return Json.MAPPER.nullNode();
        try {
            return Json.MAPPER.readTree(value);
        } catch (IOException e) {
            return Json.MAPPER.getNodeFactory().textNode(new String(value, StandardCharsets.UTF_8));
        }
    }
}
