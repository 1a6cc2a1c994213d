package dev.history.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.Env;
import dev.history.common.HistoryCommand;
import dev.history.common.HistoryEvent;
import dev.history.common.Json;
import dev.history.common.KafkaSettings;
import dev.history.common.privacy.ErasureSettings;
import dev.history.common.privacy.Privacy;
import dev.history.kafka.EmbeddedKafka;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A new customer's commands wait for its data key (created on the real key topic); they must still reach
 * the producer in the order they came, or a batch's items land in the timeline out of order (seen in
 * HistoryApiTest: ["b2", "b1"]). History goes to a MockProducer so its order of sends can be read.
 */
class SendOrderTest {
    @Test
    void aNewCustomersCommandsAreSentInTheOrderTheyCame() throws Exception {
        Env env = Env.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", EmbeddedKafka.sharedBootstrapServers(),
                "TOPIC_CUSTOMER_KEYS", "order-keys-" + UUID.randomUUID()));
        ErasureSettings erasure = ErasureSettings.fromOrGenerate(env, Files.createTempDirectory("order-secrets"));
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        try (Privacy privacy = Privacy.start(erasure, KafkaSettings.from(env), "order-test")) {
            HistoryWriter writer = new HistoryWriter(producer, "order-history", privacy);
            String user = "order-" + UUID.randomUUID();
            List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                HistoryEvent event = new HistoryEvent("e" + i, "2026-12-07T10:00:00.000Z", null, 0, "chat", "web", "n" + i, null);
                sends.add(writer.send(HistoryCommand.add(user, event, "gateway")));
            }
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
            List<String> ids = producer.history().stream()
                    .map(r -> Json.read(r.value(), HistoryCommand.class).event().id()).toList();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 50; i++) expected.add("e" + i);
            assertThat(ids).containsExactlyElementsOf(expected);
        }
    }
}
