package dev.history.gateway;

import dev.history.common.AsyncSends;
import dev.history.common.HistoryCommand;
import dev.history.common.Json;
import dev.history.common.privacy.Privacy;
import dev.history.common.privacy.SealedHistory;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts history commands on the history topic, keyed by username so a customer's events stay in order
 * on one partition. The future completes only when the broker acknowledged ({@code acks=all}), with
 * the record's position (the write's {@code Consistency-Token}).
 *
 * <p>Sends go through {@link AsyncSends}: {@code send()} never runs on the Jetty request thread (it
 * can block for topic metadata) and the future completes on a pool of its own, not on the producer's
 * single I/O thread (whatever the caller chains on it, writing the HTTP answer, would otherwise hold
 * up every other send; profiled at 3.2k req/s: 56 % of the I/O thread's samples were Jetty writes).
 */
public final class HistoryWriter {
    private static final Logger LOG = LoggerFactory.getLogger(HistoryWriter.class);

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final Privacy privacy;
    /** Per customer, the last command not yet handed to the producer: completes once it was. */
    private final Map<String, CompletableFuture<Void>> handovers = new ConcurrentHashMap<>();

    /** Without crypto-shredding (tests of the HTTP edge alone). */
    public HistoryWriter(Producer<String, byte[]> producer, String topic) {
        this(producer, topic, Privacy.disabled());
    }

    public HistoryWriter(Producer<String, byte[]> producer, String topic, Privacy privacy) {
        this.producer = producer;
        this.topic = topic;
        this.privacy = privacy;
    }

    /**
     * Seals the command (pseudonym key, sealed fields; {@link SealedHistory}) and sends it. Commands of one
     * customer are handed to the producer in the order they came (a batch's items stay in order): while a
     * new customer's key is being created, several commands wait on it, and a future runs its waiters in
     * no promised order, so each waits until the previous one of its customer was handed over.
     */
    public CompletableFuture<RecordMetadata> send(HistoryCommand plain) {
        String customer = privacy.customer(plain.username());
        CompletableFuture<HistoryCommand> sealed = SealedHistory.seal(privacy, plain, customer); // one HMAC, not two
        if (customer == null) return sealed.thenCompose(this::sendSealed);
        CompletableFuture<Void> handedOver = new CompletableFuture<>();
        CompletableFuture<Void> previous = handovers.put(customer, handedOver);
        CompletableFuture<CompletableFuture<RecordMetadata>> sent =
                (previous == null ? CompletableFuture.<Void>completedFuture(null) : previous)
                        .thenCompose(ignored -> sealed)
                        .thenApply(this::sendSealed);
        sent.whenComplete((ignored, error) -> {
            handovers.remove(customer, handedOver);
            handedOver.complete(null);
        });
        return sent.thenCompose(send -> send);
    }

    private CompletableFuture<RecordMetadata> sendSealed(HistoryCommand command) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, command.username(), Json.write(command));
        if (command.event() != null) {
            record.headers().add("id", command.event().id().getBytes(StandardCharsets.UTF_8));
        }
        return AsyncSends.send(producer, record).whenComplete((metadata, error) -> {
            if (error != null) {
                LOG.warn("not stored: {} key={} topic={}: {}", command.type(), command.username(), topic, error.toString());
            } else {
                LOG.debug("stored {} key={} topic={} partition={} offset={}",
                        command.type(), command.username(), topic, metadata.partition(), metadata.offset());
            }
        });
    }
}
