package dev.history.common.http.auth;

import dev.history.common.Json;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes audit records to the audit topic without ever delaying a response: the request thread only
 * offers the record to a bounded queue; one writer thread hands it to the producer (whose {@code send}
 * may block on metadata); the producer callback only counts. A full queue drops the record and counts
 * it (logged at most once a minute), rather than slowing reads.
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final AuditRecord STOP = new AuditRecord(null, null, null, null, null, null, null, null, null, 0, null);

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final BlockingQueue<AuditRecord> queue;
    private final Thread writer;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile long lastDropWarning;

    public AuditLog(Producer<String, byte[]> producer, String topic, int queueSize) {
        this.producer = producer;
        this.topic = topic;
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.writer = new Thread(this::run, "audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Never blocks. */
    public void record(AuditRecord record) {
        if (!queue.offer(record)) {
            dropped.incrementAndGet();
            long now = System.nanoTime();
            if (now - lastDropWarning > TimeUnit.MINUTES.toNanos(1)) {
                lastDropWarning = now;
                LOG.warn("audit queue full: {} record(s) dropped so far (topic {})", dropped.get(), topic);
            }
        }
    }

    public long written() {
        return written.get();
    }

    public long dropped() {
        return dropped.get();
    }

    private void run() {
        while (true) {
            AuditRecord record;
            try {
                record = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (record == STOP) return;
            try {
                producer.send(new ProducerRecord<>(topic, record.key(), Json.write(record)), (metadata, error) -> {
                    if (error == null) {
                        written.incrementAndGet();
                    } else if (failed.incrementAndGet() % 1000 == 1) {
                        LOG.warn("audit record not stored on {}: {} ({} failed so far)", topic, error.toString(), failed.get());
                    }
                });
            } catch (RuntimeException e) {
                if (failed.incrementAndGet() % 1000 == 1) LOG.warn("audit record not sent to {}: {}", topic, e.toString());
            }
        }
    }

    /** Sends what is queued, then closes the producer. */
    @Override
    public void close() {
        try {
            queue.put(STOP);
            writer.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
