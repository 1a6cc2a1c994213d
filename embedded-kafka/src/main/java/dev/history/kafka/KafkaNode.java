package dev.history.kafka;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * One KRaft Kafka node (a real {@link KafkaRaftServer}) from broker properties: formats its log
 * directory on first use, then starts it. Shared by the in-JVM {@link EmbeddedKafka} and by
 * {@link BrokerMain}, the separate broker processes of the local cluster ({@code bin/pipeline cluster}).
 */
public final class KafkaNode {
    private KafkaNode() {}

    /**
     * Formats the first directory of {@code log.dirs} (once; a formatted directory keeps its cluster id
     * and data) with {@code clusterId}, {@code node.id} and the first controller listener, then starts
     * the server. On a start failure the half-started server is shut down and the failure rethrown.
     */
    public static KafkaRaftServer start(Properties props, String clusterId) {
        KafkaConfig config = new KafkaConfig(props, false);
        format(props, clusterId);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            try {
                server.shutdown();
            } catch (RuntimeException ignored) {
                // the start failure is what matters
            }
            throw e;
        }
        return server;
    }

    private static void format(Properties props, String clusterId) {
        Path logDir = Path.of(props.getProperty("log.dirs").split(",")[0].trim()).toAbsolutePath();
        if (Files.exists(logDir.resolve("meta.properties"))) return;
        try {
            Files.createDirectories(logDir);
            new Formatter()
                    .setNodeId(Integer.parseInt(props.getProperty("node.id").trim()))
                    .setClusterId(clusterId)
                    .addDirectory(logDir.toString())
                    .setMetadataLogDirectory(logDir.toString())
                    .setControllerListenerName(props.getProperty("controller.listener.names").split(",")[0].trim())
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setIgnoreFormatted(true)
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka storage in " + logDir + ": " + e.getMessage(), e);
        }
    }

    /** Waits until the cluster behind {@code bootstrapServers} reports at least {@code brokers} live brokers. */
    public static void awaitBrokers(String bootstrapServers, int brokers, Duration timeout) {
        Properties props = new Properties();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        Exception last = null;
        try (Admin admin = Admin.create(props)) {
            while (true) {
                try {
                    seen = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
                    if (seen >= brokers) return;
                } catch (Exception e) {
                    last = e;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Kafka at " + bootstrapServers + " did not report " + brokers
                            + " broker(s) in " + timeout + " (last saw " + seen + ")", last);
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }
}
