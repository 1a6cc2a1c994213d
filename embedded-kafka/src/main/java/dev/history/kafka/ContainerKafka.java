package dev.history.kafka;

import org.apache.kafka.common.utils.AppInfoParser;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real {@code apache/kafka} broker in a container, for the opt-in {@code -Pcontainers} test run where
 * a Docker engine exists. testcontainers is a provided dependency: present only in that profile.
 */
final class ContainerKafka {
    private static KafkaContainer container;

    private ContainerKafka() {}

    static synchronized String sharedBootstrapServers() {
        if (container == null) {
            container = new KafkaContainer("apache/kafka:" + AppInfoParser.getVersion());
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "kafka-container-stop"));
        }
        return container.getBootstrapServers();
    }
}
