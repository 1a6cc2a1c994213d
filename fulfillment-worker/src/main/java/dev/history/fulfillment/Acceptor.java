package dev.history.fulfillment;

import dev.history.common.ConsistencyToken;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes accepted requests durable, each as one transaction-atomic step (pending status, request,
 * "requested" child event): all three are visible to read_committed readers, or none is. So a 202 always
 * means the worker will read the request, and a client that got a 503 and tries again finds nothing
 * half-written.
 *
 * <p>Why its own thread: Kafka sends may block on metadata (after {@code metadata.max.idle.ms} without
 * traffic the producer forgets a topic); run on a client's I/O thread that blocked the very thread that
 * fetches metadata (issue 13, item 10), and run on a Jetty thread it would hold a request thread. Here
 * only this thread ever waits. Requests arriving together share one transaction (a batch per loop).
 */
final class Acceptor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Acceptor.class);
    private static final int MAX_BATCH = 500;

    private record Pending(OutcomeRecords.Step step, CompletableFuture<ConsistencyToken> done) {}

    private final TransactionalWriter writer;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    Acceptor(TransactionalWriter writer) {
        this.writer = writer;
        this.thread = new Thread(this::run, "fulfillment-accept");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Completes with the position of the request and status records once the step is committed; fails if it is not. */
    CompletableFuture<ConsistencyToken> write(OutcomeRecords.Step step) {
        CompletableFuture<ConsistencyToken> f = new CompletableFuture<>();
        if (!running) {
            f.completeExceptionally(new IllegalStateException("fulfillment is stopping"));
            return f;
        }
        queue.add(new Pending(step, f));
        return f;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                write(batch);
            } catch (InterruptedException e) {
                if (!running) break;
            } finally {
                batch.clear();
            }
        }
        for (Pending p; (p = queue.poll()) != null; ) p.done().completeExceptionally(new IllegalStateException("stopped"));
    }

    private void write(List<Pending> batch) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (Pending p : batch) records.addAll(p.step().records());
        List<RecordMetadata> written;
        try {
            written = writer.commit(records, null, null, Set.of("accept"));
        } catch (KafkaException | IllegalStateException e) {
            LOG.error("cannot store {} accepted request(s) (nothing of them is visible): {}", batch.size(), e.toString());
            batch.forEach(p -> p.done().completeExceptionally(e));
            return;
        }
        int i = 0;
        for (Pending p : batch) {
            RecordMetadata status = written.get(i + OutcomeRecords.ACCEPT_STATUS_INDEX);
            RecordMetadata request = written.get(i + OutcomeRecords.ACCEPT_REQUEST_INDEX);
            i += p.step().records().size();
            // Both records: the request (what the worker reads) and its status (what GET /fulfillment/{id} reads).
            p.done().complete(ConsistencyToken.of(request.topic(), request.partition(), request.offset())
                    .merge(ConsistencyToken.of(status.topic(), status.partition(), status.offset())));
        }
    }

    /** Stops taking requests and writes those already queued. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.close();
    }

    /** Stops like a crash. */
    void abort() {
        running = false;
        queue.clear();
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.abandon();
    }
}
