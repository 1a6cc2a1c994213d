package dev.history.fulfillment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.Env;
import dev.history.common.Json;
import dev.history.common.KafkaSettings;
import dev.history.kafka.EmbeddedKafka;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** (12) The status store keeps 1,000,000 statuses on disk: heap stays flat, lookups answer, a restart resumes. */
class StatusStoreHeapTest {
    private static final Logger LOG = LoggerFactory.getLogger(StatusStoreHeapTest.class);
    private static final int COUNT = 1_000_000;

    @Test
    void heapStaysFlatAfterAMillionStatuses() throws Exception {
        String topic = "fulfillment-status-heap-" + UUID.randomUUID().toString().substring(0, 8);
        KafkaSettings kafka = KafkaSettings.from(Env.of(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", EmbeddedKafka.sharedBootstrapServers(), "TOPIC_PARTITIONS", "3")));
        kafka.ensureTopics(List.of(new NewTopic(topic, 3, (short) 1)));
        produce(kafka, topic);
        Path dir = Files.createTempDirectory("status-heap");

        long baseline;
        try (StatusStore store = new StatusStore(kafka, topic, dir)) {
            baseline = heapAfterGc();
            long start = System.nanoTime();
            store.start();
            store.initialLoad().get(5, TimeUnit.MINUTES);
            long loadedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            long after = heapAfterGc();
            LOG.info("status store: {} records loaded in {} ms; heap used {} MiB empty, {} MiB loaded", store.loadedAtStart(),
                    loadedMs, baseline >> 20, after >> 20);
            assertThat(store.loadedAtStart()).isEqualTo(COUNT);
            assertThat(after).as("heap after loading").isLessThan(2 * baseline).isLessThan(baseline + (128L << 20));
            for (int i = 0; i < COUNT; i += 99_991) assertThat(store.get("req-" + i)).get().extracting(FulfillmentStatus::username).isEqualTo("user-" + i);
            assertThat(store.get("req-unknown")).isEmpty();
        }
        // A restart on the same directory resumes at the stored offsets instead of re-reading everything.
        try (StatusStore again = new StatusStore(kafka, topic, dir)) {
            again.start();
            again.initialLoad().get(1, TimeUnit.MINUTES);
            assertThat(again.loadedAtStart()).isZero();
            assertThat(again.get("req-" + (COUNT - 1))).isPresent();
        }
    }

    private static void produce(KafkaSettings kafka, String topic) throws Exception {
        Properties props = kafka.common("heap-test");
        props.put("linger.ms", 20);
        props.put("batch.size", 512 * 1024);
        props.put("compression.type", "lz4");
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < COUNT; i++) {
                FulfillmentStatus s = new FulfillmentStatus("req-" + i, "replace-card", "Replace card", "user-" + i,
                        FulfillmentStatus.SUCCEEDED, 1, List.of(new FulfillmentStatus.Attempt(1, 200, 12,
                        "2026-11-20T10:15:02.113Z", "success", null)), null, null, "2026-11-20T10:15:02.070Z",
                        "2026-11-20T10:15:02.150Z", 0);
                p.send(new ProducerRecord<>(topic, s.id(), Json.write(s)));
            }
            p.flush();
        }
    }

    private static long heapAfterGc() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100); // let the collector finish; this measures, it does not synchronise
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
