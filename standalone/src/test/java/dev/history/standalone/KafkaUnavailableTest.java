package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.Env;
import dev.history.common.http.HttpApp;
import dev.history.gateway.GatewayConfig;
import dev.history.gateway.GatewayRoutes;
import dev.history.gateway.HistoryWriter;
import dev.history.kafka.EmbeddedKafka;
import io.javalin.Javalin;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With the broker gone, writes answer 503 with Retry-After: never a 200 for an event that is not durable. */
class KafkaUnavailableTest {

    @Test
    void writesAnswer503WhenTheBrokerIsDown(@TempDir Path dir) {
        EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0);
        GatewayConfig config = GatewayConfig.from(Env.of(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "KAFKA_REQUEST_TIMEOUT_MS", "2000",
                "TOPIC_PARTITIONS", "1")));
        config.kafka().ensureTopics(config.kafka().topics().definitions(1, (short) 1, 1));
        Producer<String, byte[]> producer = new KafkaProducer<>(config.kafka().producer("test-gateway"));
        Javalin app = HttpApp.create(config.http(),
                new GatewayRoutes(config, new HistoryWriter(producer, config.kafka().topics().historyEvents()))).start(0);
        try {
            TestHttp http = new TestHttp(app.port());
            String event = "{\"username\":\"alice\",\"source\":\"ivr\"}";
            assertThat(http.postJson("/history", event).status()).isEqualTo(200);

            kafka.close();

            TestHttp.Response single = http.postJson("/history", event);
            assertThat(single.status()).isEqualTo(503);
            assertThat(single.header("Retry-After")).isEqualTo("1");
            assertThat(single.json().get("error").asText()).contains("not stored");
            TestHttp.Response batch = http.postJson("/history/batch", "[" + event + "," + event + "]");
            assertThat(batch.status()).isEqualTo(503);
            assertThat(http.deleteJson("/history", "{\"username\":\"alice\"}").status()).isEqualTo(503);
        } finally {
            app.stop();
            producer.close(java.time.Duration.ZERO);
        }
    }
}
