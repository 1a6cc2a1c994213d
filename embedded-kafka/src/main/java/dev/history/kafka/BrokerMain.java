package dev.history.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka broker as its own process, for the local cluster ({@code bin/pipeline cluster}):
 * <pre>
 *   BrokerMain server.properties          formats log.dirs if needed (cluster id from CLUSTER_ID) and runs the node until SIGTERM
 *   BrokerMain --await-brokers N BOOTSTRAP [SECONDS]   exits 0 once the cluster reports N live brokers and
 *                                                      its group and transaction coordinators answer, 1 on timeout
 * </pre>
 * The coordinators' internal topics ({@code __consumer_offsets}, {@code __transaction_state}, 50 partitions
 * each, replication 3) are created on first use; on a fresh cluster that can take longer than a service's
 * first {@code initTransactions()} may block, so the wait includes it.
 */
public final class BrokerMain {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerMain.class);

    private BrokerMain() {}

    private static void awaitCoordinators(String bootstrapServers, long deadline) {
        Properties props = new Properties();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        while (true) {
            try (Admin admin = Admin.create(props)) {
                admin.listConsumerGroupOffsets("local-cluster-warmup").partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                Properties producer = new Properties();
                producer.putAll(props);
                producer.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "local-cluster-warmup");
                producer.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
                try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producer, new ByteArraySerializer(), new ByteArraySerializer())) {
                    p.initTransactions();
                }
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the group/transaction coordinators at " + bootstrapServers + " did not answer: " + e.getMessage(), e);
                }
                LOG.info("coordinators not ready yet: {}", e.toString());
            }
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length >= 3 && args[0].equals("--await-brokers")) {
            Duration timeout = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 120);
            try {
                long deadline = System.nanoTime() + timeout.toNanos();
                KafkaNode.awaitBrokers(args[2], Integer.parseInt(args[1]), timeout);
                awaitCoordinators(args[2], deadline);
                System.out.println(args[1] + " broker(s) up at " + args[2]);
                System.exit(0);
            } catch (IllegalStateException e) {
                System.err.println(e.getMessage());
                System.exit(1);
            }
        }
        if (args.length != 1) {
            System.err.println("usage: BrokerMain server.properties | BrokerMain --await-brokers N BOOTSTRAP [SECONDS]");
            System.exit(2);
        }
        String clusterId = System.getenv("CLUSTER_ID");
        if (clusterId == null || clusterId.isBlank()) {
            System.err.println("CLUSTER_ID is not set (the cluster id every node is formatted with)");
            System.exit(2);
        }
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of(args[0]))) {
            props.load(reader);
        }
        KafkaRaftServer server = KafkaNode.start(props, clusterId.trim());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping Kafka node {}", props.getProperty("node.id"));
            server.shutdown();
        }, "kafka-stop"));
        LOG.info("Kafka node {} started (listeners {})", props.getProperty("node.id"), props.getProperty("listeners"));
        server.awaitShutdown();
    }
}
