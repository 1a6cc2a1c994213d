package dev.history.common.privacy;

import dev.history.common.AsyncSends;
import dev.history.common.HistoryCommand;
import dev.history.common.Json;
import dev.history.common.Topics;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forgets one customer (crypto-shredding). In this order:
 * <ol>
 *   <li>tombstone every data key of the customer on the key topic: from then on every ciphertext of the
 *       customer, in every topic, changelog, export and backup, is unreadable;</li>
 *   <li>a {@code reset} command on {@code history-events} (clears the timeline, also in a rebuild or replay);</li>
 *   <li>a tombstone on {@code customer-profiles} (the directory releases the customer's aliases);</li>
 * </ol>
 * and records a receipt ({@code erasure/<id>} on the key topic) that names no customer. Running it again
 * is harmless: there is nothing left to delete, the receipt says {@code keysDeleted: 0}.
 */
public final class Erasures implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Erasures.class);
    public static final String RUNNING = "running";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";

    private final Producer<String, byte[]> producer;
    private final Topics topics;
    private final Privacy privacy;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "erasures");
        t.setDaemon(true);
        return t;
    });

    public Erasures(Producer<String, byte[]> producer, Topics topics, Privacy privacy) {
        this.producer = producer;
        this.topics = topics;
        this.privacy = privacy;
    }

    public boolean enabled() {
        return privacy.enabled();
    }

    /** Records the request (durable) and runs the erasure in the background; returns its receipt. */
    public KeyRecord request(String username) {
        String id = UUID.randomUUID().toString();
        KeyRecord receipt = KeyRecord.receipt(id, RUNNING, Instant.now().toString(), null, null);
        privacy.keys().putReceipt(receipt);
        CompletableFuture.runAsync(() -> run(id, receipt.requestedAt(), username), runner);
        return receipt;
    }

    /** Forgets {@code username} now (the ops command); returns the completed receipt. */
    public KeyRecord forget(String username) {
        String id = UUID.randomUUID().toString();
        return run(id, Instant.now().toString(), username);
    }

    public Optional<KeyRecord> receipt(String id) {
        return privacy.keys().receipt(id);
    }

    private KeyRecord run(String id, String requestedAt, String username) {
        String customer = privacy.customer(username);
        KeyRecord done;
        try {
            int deleted = privacy.keys().forget(customer);
            AsyncSends.send(producer, new ProducerRecord<>(topics.historyEvents(), customer,
                    Json.write(HistoryCommand.reset(customer, "erasure")))).join();
            AsyncSends.send(producer, new ProducerRecord<>(topics.customerProfiles(), customer, (byte[]) null)).join();
            done = KeyRecord.receipt(id, COMPLETED, requestedAt, Instant.now().toString(), deleted);
            LOG.info("erasure {} completed: {} data key(s) deleted, timeline reset and profile tombstone written", id, deleted);
        } catch (RuntimeException e) {
            LOG.error("erasure {} failed (run it again: it is idempotent): {}", id, e.toString());
            done = KeyRecord.receipt(id, FAILED, requestedAt, Instant.now().toString(), null);
        }
        privacy.keys().putReceipt(done);
        return done;
    }

    @Override
    public void close() {
        runner.shutdown();
    }
}
