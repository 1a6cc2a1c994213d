package dev.history.standalone;

import dev.history.common.Env;
import java.nio.file.Path;

/**
 * What the one-JVM system reads beyond the services' own settings.
 *
 * @param dataDir broker log and Streams state ({@code DATA_DIR}, default {@code ./data}); a restart on the
 *     same directory shows the same timelines
 * @param kafkaPort loopback port of the embedded broker ({@code KAFKA_PORT}, default 9092), so ops commands
 *     and Kafka's own CLI tools can reach it
 * @param externalBootstrap {@code KAFKA_BOOTSTRAP_SERVERS}: when set, that cluster is used and no broker is embedded
 */
public record StandaloneConfig(Path dataDir, int kafkaPort, String externalBootstrap) {

    public static StandaloneConfig from(Env env) {
        return new StandaloneConfig(
                Path.of(env.get("DATA_DIR", "./data")),
                env.getInt("KAFKA_PORT", 9092),
                env.get("KAFKA_BOOTSTRAP_SERVERS", null));
    }
}
