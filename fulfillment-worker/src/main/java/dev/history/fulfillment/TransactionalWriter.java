package dev.history.fulfillment;

import dev.history.common.KafkaSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApplicationRecoverableException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One transactional producer, used by one thread: {@link #commit} writes a batch of records, and
 * optionally consumed offsets, as one Kafka transaction, so readers with {@code isolation.level=read_committed}
 * see all of it or none of it. Why transactions: a fulfillment step is several records on several topics
 * (status, child event, next attempt or dead letter, the consumed offset); written separately, a crash
 * between two of them left a request stuck (issue 13).
 *
 * <p>Errors (KIP-1050): an abortable error aborts the transaction and rethrows, the caller re-runs the
 * batch; a fatal one for this producer (fenced, epoch, sequence, or an abort that fails too) closes it and
 * creates a new one with the same {@code transactional.id}, whose {@code initTransactions()} aborts
 * whatever the old one left open. Either way nothing of the failed batch is visible to read_committed
 * readers, except when a commit's outcome is unknown (timeout): then the batch may be visible and is
 * written again, which every reader tolerates (same keys, same event ids, newest status wins).
 */
final class TransactionalWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionalWriter.class);

    private final Properties props;
    private final String transactionalId;
    private Producer<String, byte[]> producer;

    TransactionalWriter(KafkaSettings kafka, String clientId, String transactionalId, Duration transactionTimeout) {
        this.transactionalId = transactionalId;
        props = kafka.producer(clientId);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) transactionTimeout.toMillis());
    }

    /** Writes {@code records} (and {@code offsets} for {@code group}, when given) in one transaction. */
    List<RecordMetadata> commit(List<ProducerRecord<String, byte[]>> records, Map<TopicPartition, OffsetAndMetadata> offsets,
            ConsumerGroupMetadata group, Collection<String> kinds) {
        Producer<String, byte[]> p = producer();
        try {
            p.beginTransaction();
            List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
            for (ProducerRecord<String, byte[]> r : records) sent.add(p.send(r));
            if (offsets != null && !offsets.isEmpty()) p.sendOffsetsToTransaction(offsets, group);
            CrashPoints.uncommitted(kinds);
            p.commitTransaction();
            CrashPoints.committed(kinds);
            List<RecordMetadata> out = new ArrayList<>(sent.size());
            for (Future<RecordMetadata> f : sent) out.add(f.get()); // complete: commitTransaction flushed them
            return out;
        } catch (ApplicationRecoverableException | OutOfOrderSequenceException | AuthorizationException
                | UnsupportedVersionException | IllegalStateException e) {
            // Fenced or epoch errors (ApplicationRecoverableException), and the like: this producer is done.
            LOG.warn("transactional producer {} failed ({}); recreating it", transactionalId, e.toString());
            reset();
            throw e;
        } catch (KafkaException e) {
            abort(p, e);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reset();
            throw new KafkaException("interrupted", e);
        } catch (ExecutionException e) {
            // Not expected after a successful commit; treat like an abortable error.
            reset();
            throw new KafkaException(e.getCause());
        }
    }

    private void abort(Producer<String, byte[]> p, KafkaException cause) {
        try {
            p.abortTransaction();
            LOG.debug("aborted a transaction of {} after {}", transactionalId, cause.toString());
        } catch (RuntimeException e) {
            LOG.warn("transactional producer {} cannot abort ({}); recreating it", transactionalId, e.toString());
            reset();
        }
    }

    private Producer<String, byte[]> producer() {
        if (producer == null) {
            KafkaProducer<String, byte[]> p = new KafkaProducer<>(props);
            try {
                p.initTransactions();
            } catch (RuntimeException e) {
                p.close(Duration.ZERO);
                throw e;
            }
            producer = p;
        }
        return producer;
    }

    /** Learns the topics' partitions before the first write (so the first request does not wait for it). */
    void warmUp(Collection<String> topics) {
        Producer<String, byte[]> p = producer();
        for (String t : topics) p.partitionsFor(t);
    }

    private void reset() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException ignored) {
                // already broken
            }
            producer = null;
        }
    }

    @Override
    public void close() {
        if (producer != null) producer.close(Duration.ofSeconds(5));
        producer = null;
    }

    /** Stops like a crash: an open transaction is left for the broker (or the next instance) to abort. */
    void abandon() {
        reset();
    }
}
