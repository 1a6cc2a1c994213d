package dev.history.bench;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;

/**
 * The floor of the rebuild: a bare Kafka Streams application that only counts the records of
 * {@code history-events} from scratch (new application id, no state store, no output), with the
 * rebuild's own properties (the service's {@code StreamsServiceConfig}: exactly-once v2, commit interval,
 * stream threads, client settings), timed like the rebuild: from {@code start()} until the group's
 * committed offsets reach the end offsets. What consuming and committing under exactly-once costs
 * before any processing.
 */
final class RebuildFloor {
    record Run(long counted, double seconds) {}

    private RebuildFloor() {}

    static Run run(Properties rebuildProps, String appId, String topic, Map<TopicPartition, Long> end, Admin admin,
                   int timeoutSeconds) throws Exception {
        Properties props = new Properties();
        props.putAll(rebuildProps);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        LongAdder counted = new LongAdder();
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(topic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("floor-source"))
                .foreach((k, v) -> counted.increment());
        long t0 = System.nanoTime();
        double seconds;
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
            while (!BenchMain.lagZero(admin, appId, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("rebuild floor not done after " + timeoutSeconds + " s: counted " + counted.sum());
                }
                Thread.sleep(50);
            }
            seconds = (System.nanoTime() - t0) / 1e9;
            streams.close(java.time.Duration.ofSeconds(30));
            streams.cleanUp();
        }
        return new Run(counted.sum(), seconds);
    }
}
