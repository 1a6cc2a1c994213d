package dev.history.common;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Producer sends that neither run on nor block the threads that must stay free: {@code send()} itself
 * runs on a dedicated sender thread (it can block up to {@code max.block.ms} while topic metadata is
 * fetched, e.g. the first send after the metadata expired), never on a Jetty request thread; and the
 * future completes on a small completion pool, never on the producer's I/O thread, so whatever the
 * caller chains (an HTTP answer, the next send) cannot hold up the I/O thread or deadlock on it.
 * One sender thread keeps the order in which callers submit records.
 */
public final class AsyncSends {
    private static final ExecutorService SENDER = pool("kafka-send", 1);
    private static final Executor COMPLETIONS = pool("kafka-send-completion",
            Math.max(2, Runtime.getRuntime().availableProcessors()));

    private AsyncSends() {}

    /** Completes with the record's position once acknowledged, exceptionally when the send failed. */
    public static <K, V> CompletableFuture<RecordMetadata> send(Producer<K, V> producer, ProducerRecord<K, V> record) {
        CompletableFuture<RecordMetadata> result = new CompletableFuture<>();
        try {
            SENDER.execute(() -> {
                try {
                    producer.send(record, (metadata, error) -> COMPLETIONS.execute(() -> {
                        if (error != null) result.completeExceptionally(error);
                        else result.complete(metadata);
                    }));
                } catch (RuntimeException e) {
                    // send() throws instead of calling back when metadata cannot be fetched within max.block.ms
                    COMPLETIONS.execute(() -> result.completeExceptionally(e));
                }
            });
        } catch (RuntimeException rejected) {
            result.completeExceptionally(rejected);
        }
        return result;
    }

    /** The completion pool, for callers that must hand other completions off the Kafka threads too. */
    public static Executor completions() {
        return COMPLETIONS;
    }

    private static ExecutorService pool(String name, int threads) {
        AtomicInteger n = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
