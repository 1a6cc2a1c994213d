package dev.history.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {

    @Test
    void keepsRecordsAcrossARestartOnTheSameDirectory(@TempDir Path dir) throws Exception {
        int port;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0)) {
            port = kafka.port();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    "bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("kept", "k", "v1")).get();
            }
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir, port)) {
            Properties props = new Properties();
            props.put("bootstrap.servers", kafka.bootstrapServers());
            props.put("group.id", "reader");
            props.put("auto.offset.reset", "earliest");
            try (KafkaConsumer<String, String> consumer =
                    new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("kept"));
                ConsumerRecords<String, String> records = ConsumerRecords.empty();
                for (int i = 0; i < 50 && records.isEmpty(); i++) records = consumer.poll(Duration.ofMillis(200));
                assertThat(records.count()).isEqualTo(1);
                assertThat(records.iterator().next().value()).isEqualTo("v1");
            }
        }
    }
}
