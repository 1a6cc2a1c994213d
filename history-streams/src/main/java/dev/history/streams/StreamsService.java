package dev.history.streams;

import dev.history.common.DirectoryDecision;
import dev.history.common.privacy.Privacy;
import dev.history.common.HangingTransactions;
import dev.history.common.KafkaHealth;
import dev.history.common.http.Metrics;
import dev.history.common.http.Readiness;
import dev.history.query.QueryApi;
import io.javalin.config.JavalinConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The history-streams process: the Kafka Streams application that materialises timelines and the
 * directory, with the read side (query-api) mounted on the state it holds.
 */
public final class StreamsService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamsService.class);

    private final StreamsServiceConfig config;
    private final QueryApi query;
    private final KafkaStreams streams;
    private final KafkaHealth health;
    private final HangingTransactions hanging;
    private final AtomicLong poisonRecords = new AtomicLong();

    private StreamsService(StreamsServiceConfig config, Privacy privacy) {
        this.config = config;
        this.query = new QueryApi(config.query(), privacy);
        this.streams = new KafkaStreams(HistoryTopology.build(config.kafka().topics(), config.decisionsTopic(),
                query.progress(), query.listener()), config.streamsProperties(poisonRecords));
        List<String> inputs = List.of(config.kafka().topics().historyEvents(), config.kafka().topics().customerProfiles());
        this.health = new KafkaHealth(config.kafka(), inputs);
        // A hanging transaction on an input, changelog or repartition partition would keep it from ever
        // catching up (reads 503 for good): watch every topic this application reads. And the group offsets
        // topic: a transaction's pending offset commit left there blocks every read of committed offsets
        // (seen after a kill -9 of the standalone system: "Timeout ... before the last committed offset ...").
        String internal = config.applicationId() + "-";
        this.hanging = new HangingTransactions(config.kafka(), internal + "hanging-transactions",
                topic -> inputs.contains(topic) || topic.startsWith(internal) || Topic.GROUP_METADATA_TOPIC_NAME.equals(topic),
                config.hangingTransactions());
    }

    /** Creates missing topics and starts processing; reads answer 503 until their partitions are caught up. */
    public static StreamsService start(StreamsServiceConfig config) {
        return start(config, Privacy.disabled());
    }

    /**
     * As {@link #start(StreamsServiceConfig)}; the read side maps usernames to pseudonyms and opens sealed
     * fields with {@code privacy} (owned by the caller). The topology itself never decrypts.
     */
    public static StreamsService start(StreamsServiceConfig config, Privacy privacy) {
        List<NewTopic> topics = new ArrayList<>(config.kafka().topics().definitions(
                config.kafka().partitions(), config.kafka().replicationFactor(), config.kafka().minInsyncReplicas()));
        topics.add(new NewTopic(config.deadLetterTopic(), config.kafka().partitions(), config.kafka().replicationFactor())
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(30).toMillis()))));
        topics.add(DirectoryDecision.definition(config.decisionsTopic(), config.kafka()));
        config.kafka().ensureTopics(topics);
        StreamsService service = new StreamsService(config, privacy);
        service.streams.setUncaughtExceptionHandler(error -> {
            LOG.error("stream thread failed; replacing it", error);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        service.streams.setStateListener((next, previous) -> LOG.info("history-streams state {} -> {}", previous, next));
        if (!CleanStop.consume(config.stateDir(), config.applicationId())) {
            // Exactly-once stores without a checkpoint are wiped and restored from their changelogs anyway
            // (TaskCorruptedException); doing it before the start skips that recovery path, which was seen
            // to leave the instance in REBALANCING for minutes after a kill -9.
            LOG.warn("history-streams did not stop cleanly last time: wiping its local state under {} and "
                    + "restoring it from the changelogs", config.stateDir());
            service.streams.cleanUp();
        }
        service.hanging.start(Duration.ofSeconds(5));
        service.streams.start();
        service.query.attach(service.streams, config.kafka(), config.applicationId(), config.aliasChangesTopic());
        return service;
    }

    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /** Running and every active input partition caught up with the end it had when its task started. */
    public boolean isCaughtUp() {
        return query.isCaughtUp();
    }

    /** Poison records dead-lettered by this instance since it started. */
    public long poisonRecords() {
        return poisonRecords.get();
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** The read routes (query-api), for this process's HTTP app (or the standalone one). */
    public Consumer<JavalinConfig> routes() {
        return query.routes(config.http().port());
    }

    /** Binds the Streams (incl. consumer lag), live-stream and poison-record metrics to this process's registry. */
    public StreamsService bind(Metrics metrics) {
        new KafkaStreamsMetrics(streams).bindTo(metrics.registry());
        query.bind(metrics.registry());
        FunctionCounter.builder("history_streams_poison_records", poisonRecords, AtomicLong::get)
                .description("records of history-streams' input topics sent to the dead-letter topic")
                .tag("topic", config.deadLetterTopic())
                .register(metrics.registry());
        FunctionCounter.builder("kafka_hanging_transactions_aborted", hanging, HangingTransactions::aborted)
                .description("hanging transactions this instance aborted on its input topics")
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

    /** Ends every live stream (its browser reconnects, with Last-Event-ID, to another instance). */
    public void endLiveStreams() {
        query.endLiveStreams();
    }

    @Override
    public void close() {
        query.endLiveStreams(); // live streams end first, so their clients reconnect to an instance that stays
        // Leave the group so the partitions move at once instead of after the session timeout (45 s).
        boolean closed = streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        if (closed) CleanStop.record(config.stateDir(), config.applicationId());
        query.close();
        hanging.close();
        health.close();
    }
}
