package dev.history.streams;

import dev.history.common.AliasChange;
import dev.history.common.DirectoryDecision;
import dev.history.common.Env;
import dev.history.common.HangingTransactions;
import dev.history.common.KafkaSettings;
import dev.history.common.http.HttpSettings;
import dev.history.common.http.auth.AuthSettings;
import dev.history.query.QueryConfig;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything the history-streams process (Kafka Streams + the query-api it mounts) reads from the environment.
 *
 * @param applicationId Kafka Streams application id ({@code APPLICATION_ID}, default {@code history-streams}):
 *     instances sharing it split the partitions between them
 * @param stateDir RocksDB state ({@code STATE_DIR}, default {@code $DATA_DIR/streams})
 * @param deadLetterTopic where poison records of every input topic go ({@code TOPIC_STREAMS_DLQ}, default
 *     {@code <APPLICATION_ID>-dlq}, i.e. {@code history-streams-dlq}); created at start
 * @param hangingTransactions when a transaction left open on a topic this application reads is aborted
 *     ({@code HANGING_TRANSACTION_MS}, {@code KAFKA_TRANSACTION_MAX_TIMEOUT_MS})
 * @param query the read side's settings (advertised host, page limits, live streams, consistency waits)
 * @param auth how the HTTP edge is protected (docs/SECURITY.md)
 */
public record StreamsServiceConfig(
        HttpSettings http,
        KafkaSettings kafka,
        String applicationId,
        Path stateDir,
        int standbyReplicas,
        int streamThreads,
        long commitIntervalMs,
        String deadLetterTopic,
        HangingTransactions.Settings hangingTransactions,
        QueryConfig query,
        AuthSettings auth) {

    public static StreamsServiceConfig from(Env env) {
        Path dataDir = Path.of(env.get("DATA_DIR", "./data"));
        String applicationId = env.get("APPLICATION_ID", "history-streams");
        return new StreamsServiceConfig(
                HttpSettings.from(env),
                KafkaSettings.from(env),
                applicationId,
                Path.of(env.get("STATE_DIR", dataDir.resolve("streams").toString())),
                env.getInt("NUM_STANDBY_REPLICAS", 0),
                env.getInt("NUM_STREAM_THREADS", 1),
                env.getLong("COMMIT_INTERVAL_MS", 100),
                env.get("TOPIC_STREAMS_DLQ", applicationId + "-dlq"),
                HangingTransactions.Settings.from(env),
                QueryConfig.from(env),
                AuthSettings.from(env));
    }

    public String applicationServer() {
        return query.advertisedHost() + ":" + http.port();
    }

    /** Where the directory's decisions go (and what directory writes wait for): {@code <application id>-directory-decisions}. */
    public String decisionsTopic() {
        return DirectoryDecision.topic(applicationId);
    }

    /** The alias-keyed repartition topic that feeds the aliases store. */
    public String aliasChangesTopic() {
        return AliasChange.topic(applicationId);
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
