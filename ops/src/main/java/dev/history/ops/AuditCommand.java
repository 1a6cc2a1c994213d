package dev.history.ops;

import dev.history.common.Env;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Who read or changed one customer's data: the audit topic's records for a username as NDJSON, oldest
 * first. Records are keyed by username, so only the partition the key maps to is read (as export does).
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {
            "Print the audit trail of one customer on stdout, one JSON object per line: time, who (credential name "
                    + "or token subject), credential kind, action (read/change), method, route, username, lookup key, "
                    + "status, client address.",
            "Read-only; the services may keep running."})
final class AuditCommand extends OpsCommand {
    @Option(names = "--username", required = true, paramLabel = "U", description = "The customer.")
    String username;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Audit topic (default: TOPIC_AUDIT, i.e. audit).")
    String topic;

    @Option(names = "--dry-run", description = "Print which partition and offset range would be read; print no records.")
    boolean dryRun;

    /** The record as stored, naming the customer asked for where it holds the pseudonym. */
    private String named(byte[] value, String recordKey) {
        String text = new String(value, StandardCharsets.UTF_8);
        if (recordKey.equals(username)) return text;
        try {
            com.fasterxml.jackson.databind.JsonNode node = dev.history.common.Json.MAPPER.readTree(value);
            if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode object && recordKey.equals(object.path("username").asText())) {
                object.put("username", username);
                return dev.history.common.Json.writeString(object);
            }
        } catch (IOException e) {
            // not JSON: as it is
        }
        return text;
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = out();
        PrintWriter progress = progress();
        Env env = env();
        String name = topic != null ? topic : env.get("TOPIC_AUDIT", "audit");
        // With crypto-shredding on, audit records name the customer by its pseudonym (and are keyed by it).
        dev.history.common.privacy.Privacy names = dev.history.common.privacy.Privacy.pseudonymsOnly(
                dev.history.common.privacy.ErasureSettings.fromEnvOrDataDir(env));
        String recordKey = names.customer(username);
        try (KafkaConnection kafka = openKafka(env, progress)) {
            TopicDescription description = Offsets.describe(kafka.admin(), Set.of(name)).get(name);
            TopicPartition tp = new TopicPartition(name, ExportCommand.partitionFor(recordKey, description.partitions().size()));
            byte[] key = recordKey.getBytes(StandardCharsets.UTF_8);
            long[] found = {0};
            try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumer("ops-audit")) {
                consumer.assign(List.of(tp));
                long start = consumer.beginningOffsets(List.of(tp)).get(tp);
                long end = consumer.endOffsets(List.of(tp)).get(tp);
                if (dryRun) {
                    out.printf("audit (dry run, no records printed): topic=%s partition=%d offsets=%d..%d%n",
                            name, tp.partition(), start, end - 1);
                    return 0;
                }
                PartitionRange.read(consumer, tp, start, end, record -> {
                    if (Arrays.equals(key, record.key()) && record.value() != null) {
                        out.println(named(record.value(), recordKey));
                        found[0]++;
                    }
                    return true;
                });
            }
            out.flush();
            progress.printf("%d audit record(s) for %s in %s%n", found[0], username, tp);
            return 0;
        }
    }
}
