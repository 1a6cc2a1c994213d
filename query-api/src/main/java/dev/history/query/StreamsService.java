package dev.history.query;

import dev.history.common.KafkaHealth;
import dev.history.common.http.Metrics;
import dev.history.common.http.Readiness;
import dev.history.streams.HistoryTopology;
import io.javalin.config.JavalinConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The history-streams process: the Kafka Streams application that materialises timelines and the
 * directory, plus the read routes (query-api) that serve them and the directory writes that need them.
 */
public final class StreamsService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamsService.class);

    private final StreamsServiceConfig config;
    private final KafkaStreams streams;
    private final Producer<String, byte[]> producer;
    private final KafkaHealth health;
    private final TimelineHub hub;

    private StreamsService(StreamsServiceConfig config) {
        this.config = config;
        this.hub = new TimelineHub(config.stream());
        this.streams = new KafkaStreams(HistoryTopology.build(config.kafka().topics(), hub), config.streamsProperties());
        this.producer = new KafkaProducer<>(config.kafka().producer(config.applicationId() + "-directory"));
        this.health = new KafkaHealth(config.kafka(),
                List.of(config.kafka().topics().historyEvents(), config.kafka().topics().customerProfiles()));
    }

    /** Creates missing topics and starts processing; routes answer 503 until the state is queryable. */
    public static StreamsService start(StreamsServiceConfig config) {
        config.kafka().ensureTopics(config.kafka().topics().definitions(
                config.kafka().partitions(), config.kafka().replicationFactor(), config.kafka().minInsyncReplicas()));
        StreamsService service = new StreamsService(config);
        service.streams.setUncaughtExceptionHandler(error -> {
            LOG.error("stream thread failed; replacing it", error);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        service.streams.setStateListener((next, previous) -> LOG.info("history-streams state {} -> {}", previous, next));
        service.streams.start();
        return service;
    }

    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** Query and directory routes, for this process's HTTP app (or the standalone one). */
    public Consumer<JavalinConfig> routes() {
        KeyLocator locator = new KeyLocator(streams, new HostInfo(config.advertisedHost(), config.http().port()));
        Forwarder forwarder = new Forwarder();
        TimelineRoutes timeline = new TimelineRoutes(locator, forwarder, config.defaultLimit(), config.maxLimit());
        DirectoryRoutes directory = new DirectoryRoutes(locator, forwarder, producer, config.kafka().topics().customerProfiles());
        StreamRoutes live = new StreamRoutes(locator, streams, new HostInfo(config.advertisedHost(), config.http().port()), hub);
        WebAssets assets = new WebAssets();
        return javalin -> {
            timeline.accept(javalin);
            directory.accept(javalin);
            live.accept(javalin);
            assets.accept(javalin);
        };
    }

    /** Binds the Streams (incl. consumer lag) and producer metrics to this process's registry. */
    public StreamsService bind(Metrics metrics) {
        metrics.bind(streams).bind(producer);
        hub.bind(metrics.registry());
        return this;
    }

    /** Named readiness checks: Kafka and the input topics reachable, the state queryable. */
    public Map<String, BooleanSupplier> readinessChecks() {
        Map<String, BooleanSupplier> checks = new LinkedHashMap<>();
        checks.put("kafka", health::topicsReachable);
        checks.put("streams", this::isRunning);
        return checks;
    }

    public Consumer<JavalinConfig> readiness() {
        return Readiness.route(readinessChecks());
    }

    @Override
    public void close() {
        hub.close(); // live streams end first, so their clients reconnect to an instance that stays
        // Leave the group so the partitions move at once instead of after the session timeout (45 s).
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        producer.close(Duration.ofSeconds(10));
        health.close();
    }
}
