package dev.history.standalone;

import dev.history.common.Env;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code bin/pipeline}: the whole system in one JVM. Prints one line when it is ready, stops cleanly on SIGTERM. */
public final class StandaloneMain {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneMain.class);

    private StandaloneMain() {}

    public static void main(String[] args) {
        Env env = Env.system();
        Standalone system = Standalone.start(env);
        Runtime.getRuntime().addShutdownHook(new Thread(system::close, "shutdown"));
        system.awaitReady(Duration.ofMinutes(10));
        LOG.info("history pipeline ready on http://localhost:{} (Kafka {}, data in {})",
                system.port(), system.bootstrapServers(), StandaloneConfig.from(env).dataDir().toAbsolutePath());
    }
}
