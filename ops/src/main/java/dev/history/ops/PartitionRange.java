package dev.history.ops;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads an offset range of one partition, the loop every command that scans a topic needs. */
final class PartitionRange {
    /** Polls in a row without the position moving before the read is declared stuck (about 30 s). */
    private static final int MAX_IDLE_POLLS = 60;

    private PartitionRange() {}

    /**
     * Hands each record with an offset in {@code [from, to)} to {@code each}, in order, until the range
     * is done or {@code each} returns false. Leaves the consumer assigned to {@code tp}.
     */
    static void read(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long from, long to,
                     Predicate<ConsumerRecord<byte[], byte[]>> each) {
        if (from >= to) return;
        consumer.assign(List.of(tp));
        consumer.seek(tp, from);
        long lastPosition = -1;
        int idlePolls = 0;
        while (consumer.position(tp) < to) {
            List<ConsumerRecord<byte[], byte[]>> records = consumer.poll(Duration.ofMillis(500)).records(tp);
            if (records.isEmpty()) {
                // Transaction markers and compacted gaps advance the position without records.
                long position = consumer.position(tp);
                idlePolls = position == lastPosition ? idlePolls + 1 : 0;
                lastPosition = position;
                if (idlePolls > MAX_IDLE_POLLS) throw new OpsException("no progress reading " + tp + " at offset " + position);
                continue;
            }
            for (ConsumerRecord<byte[], byte[]> record : records) {
                if (record.offset() >= to || !each.test(record)) return;
            }
        }
    }
}
