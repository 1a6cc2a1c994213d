package dev.history.query;

import dev.history.common.KafkaHealth;
import dev.history.common.http.Metrics;
import dev.history.common.http.Readiness;
import dev.history.streams.HistoryTopology;
import dev.history.streams.ProcessedOffsets;
import io.micrometer.core.instrument.FunctionCounter;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
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
    private final ProcessedOffsets progress = new ProcessedOffsets();
    private final AtomicLong poisonRecords = new AtomicLong();
    private final CatchUp catchUp;
    private final PositionWaits waits;
    private final DirectoryDecisions decisions;

    private StreamsService(StreamsServiceConfig config) {
        this.config = config;
        this.hub = new TimelineHub(config.stream());
        this.streams = new KafkaStreams(HistoryTopology.build(config.kafka().topics(), config.decisionsTopic(), progress, hub),
                config.streamsProperties(poisonRecords));
        this.catchUp = new CatchUp(streams, progress, config.kafka(), config.applicationId(), config.aliasChangesTopic());
        this.waits = new PositionWaits(catchUp, progress);
        this.producer = new KafkaProducer<>(config.kafka().producer(config.applicationId() + "-directory"));
        this.decisions = new DirectoryDecisions(config.kafka(), config.applicationId() + "-directory-decisions",
                config.decisionsTopic());
        this.health = new KafkaHealth(config.kafka(),
                List.of(config.kafka().topics().historyEvents(), config.kafka().topics().customerProfiles()));
    }

    /** Creates missing topics and starts processing; routes answer 503 until the state is queryable. */
    public static StreamsService start(StreamsServiceConfig config) {
        List<NewTopic> topics = new ArrayList<>(config.kafka().topics().definitions(
                config.kafka().partitions(), config.kafka().replicationFactor(), config.kafka().minInsyncReplicas()));
        topics.add(new NewTopic(config.deadLetterTopic(), config.kafka().partitions(), config.kafka().replicationFactor())
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(30).toMillis()))));
        // Same partition count as customer-profiles: the profile side reads both in one task per partition.
        topics.add(new NewTopic(config.decisionsTopic(), config.kafka().partitions(), config.kafka().replicationFactor())
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(7).toMillis()),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(config.kafka().minInsyncReplicas()))));
        config.kafka().ensureTopics(topics);
        StreamsService service = new StreamsService(config);
        service.streams.setUncaughtExceptionHandler(error -> {
            LOG.error("stream thread failed; replacing it", error);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        service.streams.setStateListener((next, previous) -> LOG.info("history-streams state {} -> {}", previous, next));
        service.decisions.start();
        if (!CleanStop.consume(config.stateDir(), config.applicationId())) {
            // Exactly-once stores without a checkpoint are wiped and restored from their changelogs anyway
            // (TaskCorruptedException); doing it before the start skips that recovery path, which was seen
            // to leave the instance in REBALANCING for minutes after a kill -9.
            LOG.warn("history-streams did not stop cleanly last time: wiping its local state under {} and "
                    + "restoring it from the changelogs", config.stateDir());
            service.streams.cleanUp();
        }
        service.streams.start();
        service.catchUp.start();
        return service;
    }

    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /** Running and every active input partition caught up with the end it had when its task started. */
    public boolean isCaughtUp() {
        return catchUp.isReady();
    }

    /** Poison records dead-lettered by this instance since it started. */
    public long poisonRecords() {
        return poisonRecords.get();
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** Query and directory routes, for this process's HTTP app (or the standalone one). */
    public Consumer<JavalinConfig> routes() {
        KeyLocator locator = new KeyLocator(streams, new HostInfo(config.advertisedHost(), config.http().port()));
        Forwarder forwarder = new Forwarder();
        ConsistentReads reads = new ConsistentReads(locator, forwarder, catchUp, waits, config.consistencyWaitMs());
        TimelineRoutes timeline = new TimelineRoutes(locator, reads, config.defaultLimit(), config.maxLimit());
        DirectoryRoutes directory = new DirectoryRoutes(locator, reads, forwarder, producer, config.kafka().topics().customerProfiles(),
                decisions, config.consistencyWaitMs());
        StreamRoutes live = new StreamRoutes(locator, catchUp, streams, new HostInfo(config.advertisedHost(), config.http().port()), hub);
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
        FunctionCounter.builder("history_streams_poison_records", poisonRecords, AtomicLong::get)
                .description("records of history-streams' input topics sent to the dead-letter topic")
                .tag("topic", config.deadLetterTopic())
                .register(metrics.registry());
        return this;
    }

    /** Named readiness checks: Kafka and the input topics reachable, the state queryable. */
    public Map<String, BooleanSupplier> readinessChecks() {
        Map<String, BooleanSupplier> checks = new LinkedHashMap<>();
        checks.put("kafka", health::topicsReachable);
        checks.put("streams", this::isRunning);
        checks.put("caught-up", this::isCaughtUp);
        return checks;
    }

    public Consumer<JavalinConfig> readiness() {
        return Readiness.route(readinessChecks());
    }

    @Override
    public void close() {
        hub.close(); // live streams end first, so their clients reconnect to an instance that stays
        // Leave the group so the partitions move at once instead of after the session timeout (45 s).
        boolean closed = streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        if (closed) CleanStop.record(config.stateDir(), config.applicationId());
        waits.close();
        decisions.close();
        catchUp.close();
        producer.close(Duration.ofSeconds(10));
        health.close();
    }
}
