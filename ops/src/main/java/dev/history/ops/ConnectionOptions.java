package dev.history.ops;

import dev.history.common.Env;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the Kafka cluster is: the options every command shares (a picocli mixin). */
final class ConnectionOptions {

    @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT[,…]",
            description = "Kafka to talk to. Default: KAFKA_BOOTSTRAP_SERVERS, else the standalone system's "
                    + "embedded broker on 127.0.0.1:$KAFKA_PORT (9092).")
    String bootstrapServer;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "The standalone system's DATA_DIR. When the standalone system is stopped (nothing "
                    + "listens on 127.0.0.1:$KAFKA_PORT), its broker is started on this directory for the "
                    + "duration of the command. Also the default for STATE_DIR ($DATA_DIR/streams).")
    Path dataDir;

    /** The base environment with what the options say applied, so every setting is read as the services read it. */
    Env apply(Env base) {
        Map<String, String> overrides = new HashMap<>();
        if (bootstrapServer != null) overrides.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServer);
        if (dataDir != null) overrides.put("DATA_DIR", dataDir.toString());
        return base.with(overrides);
    }
}
