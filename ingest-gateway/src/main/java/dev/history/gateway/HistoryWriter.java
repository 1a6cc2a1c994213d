package dev.history.gateway;

import dev.history.common.HistoryCommand;
import dev.history.common.Json;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts history commands on the history topic, keyed by username so a customer's events stay in order
 * on one partition. The future completes only when the broker acknowledged ({@code acks=all}).
 */
public final class HistoryWriter {
    private static final Logger LOG = LoggerFactory.getLogger(HistoryWriter.class);

    private final Producer<String, byte[]> producer;
    private final String topic;

    public HistoryWriter(Producer<String, byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    public CompletableFuture<RecordMetadata> send(HistoryCommand command) {
        CompletableFuture<RecordMetadata> result = new CompletableFuture<>();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, command.username(), Json.write(command));
        if (command.event() != null) {
            record.headers().add("id", command.event().id().getBytes(StandardCharsets.UTF_8));
        }
        try {
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    LOG.warn("not stored: {} key={} topic={}: {}", command.type(), command.username(), topic, error.toString());
                    result.completeExceptionally(error);
                } else {
                    LOG.debug("stored {} key={} topic={} partition={} offset={}",
                            command.type(), command.username(), topic, metadata.partition(), metadata.offset());
                    result.complete(metadata);
                }
            });
        } catch (RuntimeException e) {
            // send() throws instead of calling back when metadata cannot be fetched within max.block.ms
            LOG.warn("not stored: {} key={} topic={}: {}", command.type(), command.username(), topic, e.toString());
            result.completeExceptionally(e);
        }
        return result;
    }
}
