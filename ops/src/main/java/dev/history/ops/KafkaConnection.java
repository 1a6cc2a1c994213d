package dev.history.ops;

import dev.history.common.Env;
import dev.history.common.KafkaSettings;
import dev.history.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster a command talks to: {@code KAFKA_BOOTSTRAP_SERVERS} when set, otherwise the standalone
 * system's broker on {@code 127.0.0.1:$KAFKA_PORT}. When that port is closed and a standalone
 * {@code DATA_DIR} was named with {@code --data-dir}, the broker is started on it here and stopped on
 * {@link #close()} — the standalone broker lives inside the standalone JVM, so this is the only way to
 * reach its data while the system is stopped.
 */
final class KafkaConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaConnection.class);
    private static final String LOOPBACK = "127.0.0.1";

    private final KafkaSettings settings;
    private final EmbeddedKafka embedded;
    private Admin admin;

    private KafkaConnection(KafkaSettings settings, EmbeddedKafka embedded) {
        this.settings = settings;
        this.embedded = embedded;
    }

    static KafkaConnection open(Env env, boolean dataDirGiven, PrintWriter progress) {
        KafkaSettings settings = KafkaSettings.from(env);
        String explicit = env.get("KAFKA_BOOTSTRAP_SERVERS", null);
        if (explicit != null) {
            progress.println("kafka: " + explicit);
            return new KafkaConnection(settings, null);
        }
        int port = env.getInt("KAFKA_PORT", 9092);
        String local = LOOPBACK + ":" + port;
        if (listening(port)) {
            progress.println("kafka: " + local + " (the standalone system's broker)");
            return new KafkaConnection(settings.withBootstrapServers(local), null);
        }
        if (!dataDirGiven) {
            // Fail at once rather than after the client's 30 s metadata timeout.
            throw new OpsException("nothing listens on " + local + ": start the standalone system (bin/pipeline), "
                    + "pass --data-dir to use a stopped standalone system's data, or set KAFKA_BOOTSTRAP_SERVERS");
        }
        Path dataDir = Path.of(env.get("DATA_DIR", "./data"));
        if (!Files.exists(dataDir.resolve("kafka").resolve("meta.properties"))) {
            // Starting a broker here would format an empty one and report an empty system.
            throw new OpsException("nothing listens on " + local + " and " + dataDir.toAbsolutePath()
                    + " holds no standalone broker data (no kafka/meta.properties); check --data-dir and KAFKA_PORT");
        }
        progress.println("kafka: nothing listens on " + local + "; starting the standalone broker on "
                + dataDir.toAbsolutePath() + " for this command");
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, port);
        return new KafkaConnection(settings.withBootstrapServers(kafka.bootstrapServers()), kafka);
    }

    KafkaSettings settings() {
        return settings;
    }

    String bootstrapServers() {
        return settings.bootstrapServers();
    }

    boolean startedEmbeddedBroker() {
        return embedded != null;
    }

    synchronized Admin admin() {
        if (admin == null) {
            Properties props = settings.common("ops-admin");
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.max(30_000, settings.requestTimeout().toMillis()));
            admin = Admin.create(props);
        }
        return admin;
    }

    /** A group-less byte consumer (assign + seek only): reading never commits offsets or joins a group. */
    KafkaConsumer<byte[], byte[]> consumer(String clientId) {
        Properties props = settings.common(clientId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void close() {
        if (admin != null) admin.close();
        if (embedded != null) embedded.close();
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), 1000);
            return true;
        } catch (IOException e) {
            LOG.debug("nothing listens on {}:{}: {}", LOOPBACK, port, e.toString());
            return false;
        }
    }
}
