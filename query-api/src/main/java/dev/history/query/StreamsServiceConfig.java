package dev.history.query;

import dev.history.common.Env;
import dev.history.common.KafkaSettings;
import dev.history.common.http.HttpSettings;
import dev.history.common.http.auth.AuthSettings;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import dev.history.streams.HistoryTopology;
import dev.history.streams.PoisonRecordHandler;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything the history-streams process (Kafka Streams + query-api) reads from the environment.
 *
 * @param applicationId Kafka Streams application id ({@code APPLICATION_ID}, default {@code history-streams}):
 *     instances sharing it split the partitions between them
 * @param stateDir RocksDB state ({@code STATE_DIR}, default {@code $DATA_DIR/streams})
 * @param advertisedHost how other instances reach this one ({@code ADVERTISED_HOST}, default {@code localhost});
 *     with the HTTP port it is the Streams {@code application.server}
 * @param stream live timeline streams ({@code STREAM_*}, see {@link StreamSettings})
 * @param deadLetterTopic where poison records of every input topic go ({@code TOPIC_STREAMS_DLQ}, default
 *     {@code <APPLICATION_ID>-dlq}, i.e. {@code history-streams-dlq}); created at start
 * @param consistencyWaitMs how long a read presenting a {@code Consistency-Token} may wait for this
 *     instance to reach that position before answering 503 ({@code CONSISTENCY_WAIT_MS}, default 2000)
 * @param auth how the HTTP edge is protected (docs/SECURITY.md)
 */
public record StreamsServiceConfig(
        HttpSettings http,
        KafkaSettings kafka,
        String applicationId,
        Path stateDir,
        String advertisedHost,
        int standbyReplicas,
        int streamThreads,
        long commitIntervalMs,
        int defaultLimit,
        int maxLimit,
        StreamSettings stream,
        String deadLetterTopic,
        long consistencyWaitMs,
        AuthSettings auth) {

    public static StreamsServiceConfig from(Env env) {
        Path dataDir = Path.of(env.get("DATA_DIR", "./data"));
        String applicationId = env.get("APPLICATION_ID", "history-streams");
        return new StreamsServiceConfig(
                HttpSettings.from(env),
                KafkaSettings.from(env),
                applicationId,
                Path.of(env.get("STATE_DIR", dataDir.resolve("streams").toString())),
                env.get("ADVERTISED_HOST", "localhost"),
                env.getInt("NUM_STANDBY_REPLICAS", 0),
                env.getInt("NUM_STREAM_THREADS", 1),
                env.getLong("COMMIT_INTERVAL_MS", 100),
                env.getInt("TIMELINE_DEFAULT_LIMIT", 1000),
                env.getInt("TIMELINE_MAX_LIMIT", 10_000),
                StreamSettings.from(env),
                env.get("TOPIC_STREAMS_DLQ", applicationId + "-dlq"),
                env.getLong("CONSISTENCY_WAIT_MS", 2000),
                AuthSettings.from(env));
    }

    public String applicationServer() {
        return advertisedHost + ":" + http.port();
    }

    /** The alias-keyed repartition topic that feeds the aliases store. */
    /** Where the directory's decisions go (and what directory writes wait for): {@code <application id>-directory-decisions}. */
    public String decisionsTopic() {
        return HistoryTopology.decisionsTopic(applicationId);
    }

    public String aliasChangesTopic() {
        return HistoryTopology.aliasChangesTopic(applicationId);
    }

    /**
     * Exactly-once v2; poison records (unreadable, or not applicable by the processors) are
     * dead-lettered and counted in {@code poisonCounter} rather than stopping a partition.
     */
    public Properties streamsProperties(AtomicLong poisonCounter) {
        Properties props = kafka.common(applicationId);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer());
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, standbyReplicas);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) kafka.replicationFactor());
        props.put(StreamsConfig.topicPrefix("min.insync.replicas"), kafka.minInsyncReplicas());
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, PoisonRecordHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, PoisonRecordHandler.class);
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, deadLetterTopic);
        props.put(PoisonRecordHandler.COUNTER_CONFIG, poisonCounter);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), kafka.compression());
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        props.putAll(kafka.clientOverrides());
        return props;
    }
}
