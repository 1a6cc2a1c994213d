package dev.history.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker + controller) inside this JVM. Its log lives
 * under {@code <dataDir>/kafka}, so a restart on the same directory keeps every record. Used by the
 * standalone system and by the test suite; production uses a real cluster instead.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String HOST = "127.0.0.1";
    private static EmbeddedKafka shared;

    private final KafkaRaftServer server;
    private final int port;

    private EmbeddedKafka(KafkaRaftServer server, int port) {
        this.server = server;
        this.port = port;
    }

    /**
     * Starts a broker keeping its data under {@code dataDir/kafka}. With {@code port} 0 a free loopback
     * port is chosen (and the start retried if another process takes it first).
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        Path logDir = dataDir.resolve("kafka").toAbsolutePath();
        int attempts = port == 0 ? 5 : 1;
        for (int attempt = 1; ; attempt++) {
            int brokerPort = port == 0 ? freePort() : port;
            int controllerPort = freePort();
            try {
                return startOnce(logDir, brokerPort, controllerPort);
            } catch (RuntimeException e) {
                if (attempt >= attempts || !isBindFailure(e)) {
                    throw new IllegalStateException("cannot start embedded Kafka on " + HOST + ":" + brokerPort
                            + " (is the port in use? set KAFKA_PORT): " + e.getMessage(), e);
                }
                LOG.warn("port race starting embedded Kafka, retrying: {}", e.getMessage());
            }
        }
    }

    /**
     * The broker the integration tests share: this embedded one by default, or a real {@code apache/kafka}
     * container when the suite runs with {@code -Pcontainers} (system property {@code test.kafka=container}).
     */
    public static String sharedBootstrapServers() {
        if ("container".equals(System.getProperty("test.kafka"))) return ContainerKafka.sharedBootstrapServers();
        return shared().bootstrapServers();
    }

    /** One broker per test JVM on a temporary directory, stopped when the JVM exits. */
    private static synchronized EmbeddedKafka shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("embedded-kafka");
                shared = start(dir, 0);
                Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "embedded-kafka-stop"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        LOG.info("stopping embedded Kafka on {}", bootstrapServers());
        server.shutdown();
        server.awaitShutdown();
    }

    private static EmbeddedKafka startOnce(Path logDir, int brokerPort, int controllerPort) {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        props.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        props.put("num.partitions", "1");
        props.put("auto.create.topics.enable", "false");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "12");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "12");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        // The 128 MiB default dedupe buffer would sit on this JVM's heap.
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
        props.put("log.cleaner.threads", "1");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "4");
        KafkaRaftServer server = KafkaNode.start(props, Uuid.randomUuid().toString());
        EmbeddedKafka kafka = new EmbeddedKafka(server, brokerPort);
        KafkaNode.awaitBrokers(kafka.bootstrapServers(), 1, Duration.ofSeconds(60));
        LOG.info("embedded Kafka ready on {} (data in {})", kafka.bootstrapServers(), logDir);
        return kafka;
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
