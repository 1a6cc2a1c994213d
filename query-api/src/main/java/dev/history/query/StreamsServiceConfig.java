package dev.history.query;

import dev.history.common.Env;
import dev.history.common.KafkaSettings;
import dev.history.common.http.HttpSettings;
import dev.history.common.http.auth.AuthSettings;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/**
 * Everything the history-streams process (Kafka Streams + query-api) reads from the environment.
 *
 * @param applicationId Kafka Streams application id ({@code APPLICATION_ID}, default {@code history-streams}):
 *     instances sharing it split the partitions between them
 * @param stateDir RocksDB state ({@code STATE_DIR}, default {@code $DATA_DIR/streams})
 * @param advertisedHost how other instances reach this one ({@code ADVERTISED_HOST}, default {@code localhost});
 *     with the HTTP port it is the Streams {@code application.server}
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
        AuthSettings auth) {

    public static StreamsServiceConfig from(Env env) {
        Path dataDir = Path.of(env.get("DATA_DIR", "./data"));
        return new StreamsServiceConfig(
                HttpSettings.from(env),
                KafkaSettings.from(env),
                env.get("APPLICATION_ID", "history-streams"),
                Path.of(env.get("STATE_DIR", dataDir.resolve("streams").toString())),
                env.get("ADVERTISED_HOST", "localhost"),
                env.getInt("NUM_STANDBY_REPLICAS", 0),
                env.getInt("NUM_STREAM_THREADS", 1),
                env.getLong("COMMIT_INTERVAL_MS", 100),
                env.getInt("TIMELINE_DEFAULT_LIMIT", 1000),
                env.getInt("TIMELINE_MAX_LIMIT", 10_000),
                AuthSettings.from(env));
    }

    public String applicationServer() {
        return advertisedHost + ":" + http.port();
    }

    /** Exactly-once v2; poison records are logged and skipped rather than stopping every timeline. */
    public Properties streamsProperties() {
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
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), kafka.compression());
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        props.putAll(kafka.clientOverrides());
        return props;
    }
}
