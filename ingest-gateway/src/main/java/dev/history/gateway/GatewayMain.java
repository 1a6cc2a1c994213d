package dev.history.gateway;

import dev.history.common.Env;
import dev.history.common.KafkaHealth;
import dev.history.common.privacy.ErasureSettings;
import dev.history.common.privacy.Privacy;
import dev.history.common.privacy.Erasures;
import dev.history.common.http.GracefulStop;
import dev.history.common.http.HttpApp;
import dev.history.common.http.Metrics;
import dev.history.common.http.Readiness;
import dev.history.common.http.auth.Security;
import dev.history.gateway.adapters.Adapters;
import io.javalin.Javalin;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the ingest gateway alone against {@code KAFKA_BOOTSTRAP_SERVERS}: config, producer, HTTP, shutdown. */
public final class GatewayMain {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayMain.class);

    private GatewayMain() {}

    public static void main(String[] args) {
        GatewayConfig config = GatewayConfig.from(Env.system());
        LOG.info("starting ingest-gateway: {}", config);
        config.kafka().ensureTopics(config.kafka().topics().definitions(
                config.kafka().partitions(), config.kafka().replicationFactor(), config.kafka().minInsyncReplicas()));
        Producer<String, byte[]> producer = new KafkaProducer<>(config.kafka().producer("ingest-gateway"));
        // Learn the partitions of both topics it writes before answering: otherwise the first write of each
        // (seen: the first POST /userdata on a fresh cluster) waits for the topic's metadata on top of its own work.
        for (String topic : List.of(config.kafka().topics().historyEvents(), config.kafka().topics().customerProfiles())) {
            producer.partitionsFor(topic);
        }
        Metrics metrics = new Metrics("ingest-gateway").bind(producer);
        KafkaHealth health = new KafkaHealth(config.kafka(), List.of(config.kafka().topics().historyEvents()));
        ErasureSettings erasure = ErasureSettings.from(Env.system());
        erasure.log(LOG);
        Privacy privacy = Privacy.start(erasure, config.kafka(), "ingest-gateway");
        Security security = Security.create(config.auth(), config.kafka(), privacy);
        DirectoryWrites directory = DirectoryWrites.start(config, producer, privacy);
        HistoryWriter writer = new HistoryWriter(producer, config.kafka().topics().historyEvents(), privacy);
        GracefulStop stop = new GracefulStop();
        Javalin app = HttpApp.create(config.http(), security, metrics.http(),
                new GatewayRoutes(config, writer),
                directory,
                new ErasureRoutes(new Erasures(producer, config.kafka().topics(), privacy)),
                Adapters.create(config, writer, directory, () -> null),
                Readiness.route(Map.of("kafka", health::topicsReachable, "accepting", stop::accepting)));
        app.start(config.http().port());
        LOG.info("ingest-gateway ready on http://localhost:{}", app.port());
        Runtime.getRuntime().addShutdownHook(stop.hook("shutdown", app, config.http(), directory, producer, privacy, health));
    }
}
