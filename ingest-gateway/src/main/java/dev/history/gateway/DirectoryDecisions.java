package dev.history.gateway;

import dev.history.common.AsyncSends;
import dev.history.common.ConsistencyToken;
import dev.history.common.KafkaSettings;
import dev.history.common.http.ApiError;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.history.common.AliasChange;
import dev.history.common.DirectoryDecision;

/**
 * Where a directory write learns what the processors decided about it. A write registers a request id
 * before it is sent (the id travels in the {@value DirectoryDecision#REQUEST_ID_HEADER} header); this
 * instance's own consumer reads every partition of the decisions topic ({@code read_committed}, from
 * its end at start, no group: every instance sees every decision, whichever instance owns the aliases)
 * and completes the write's future once its decisions are complete: {@code settled}, all its alias
 * decisions, and the refresh decisions it announced. Futures complete on the send-completion pool,
 * never on the consumer thread; a scheduled timeout fails them with a 503.
 */
final class DirectoryDecisions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryDecisions.class);

    /** What was decided about one write: its refused claims and the positions its directory reads need. */
    record Outcome(List<DirectoryDecision> refusedClaims, ConsistencyToken token) {}

    /** A registered write: send with {@link #requestId()}, then wait on {@link #outcome()}. */
    record Pending(String requestId, CompletableFuture<Outcome> outcome) {}

    private static final class Waiter {
        final CompletableFuture<Outcome> done = new CompletableFuture<>();
        final List<DirectoryDecision> decided = new ArrayList<>();
        final List<DirectoryDecision> refreshed = new ArrayList<>();
        DirectoryDecision settled;

        boolean complete() {
            return settled != null && decided.size() >= settled.expected() && refreshed.size() >= settled.refreshes();
        }

        Outcome outcome() {
            ConsistencyToken token = ConsistencyToken.empty();
            for (DirectoryDecision d : decided) token = token.merge(position(d));
            for (DirectoryDecision d : refreshed) token = token.merge(position(d));
            List<DirectoryDecision> refused = decided.stream()
                    .filter(d -> AliasChange.CLAIM.equals(d.op()) && !d.accepted()).toList();
            return new Outcome(refused, token);
        }

        private static ConsistencyToken position(DirectoryDecision d) {
            return ConsistencyToken.of(d.topic(), d.partition(), d.offset());
        }
    }

    private final String topic;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, Waiter> waiting = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "directory-decision-timeouts");
        t.setDaemon(true);
        return t;
    });
    private final Thread poller;
    private volatile boolean running = true;

    DirectoryDecisions(KafkaSettings kafka, String clientId, String topic) {
        this.topic = topic;
        Map<String, Object> props = new HashMap<>();
        kafka.common(clientId).forEach((k, v) -> props.put(k.toString(), v));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.poller = new Thread(this::poll, "directory-decisions");
        this.poller.setDaemon(true);
    }

    /** Assigns every partition at its current end (before any write of this instance registers), then polls. */
    DirectoryDecisions start() {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        poller.start();
        return this;
    }

    /** Registers a write; its outcome fails with a 503 after {@code timeoutMs}. */
    Pending open(long timeoutMs) {
        String id = UUID.randomUUID().toString();
        Waiter waiter = new Waiter();
        waiting.put(id, waiter);
        timeouts.schedule(() -> {
            if (waiting.remove(id) != null) {
                AsyncSends.completions().execute(() -> waiter.done.completeExceptionally(ApiError.unavailable(
                        "the directory has not decided about this write yet (it may still apply); retry", 1)));
            }
        }, timeoutMs, TimeUnit.MILLISECONDS);
        return new Pending(id, waiter.done);
    }

    /** Forgets a write that was never sent. */
    void cancel(Pending pending) {
        waiting.remove(pending.requestId());
    }

    private void poll() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) accept(record);
            }
        } catch (WakeupException stopping) {
            // close()
        } catch (RuntimeException e) {
            LOG.error("directory decisions consumer of {} stopped; directory writes will answer 503", topic, e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void accept(ConsumerRecord<String, byte[]> record) {
        DirectoryDecision decision;
        try {
            decision = record.value() == null ? null : DirectoryDecision.SERDE.deserializer().deserialize(topic, record.value());
        } catch (RuntimeException unreadable) {
            LOG.warn("unreadable directory decision key={} topic={} partition={} offset={}: {}", record.key(), record.topic(),
                    record.partition(), record.offset(), unreadable.toString());
            return;
        }
        if (decision == null || decision.requestId() == null) return;
        Waiter waiter = waiting.get(decision.requestId());
        if (waiter == null) return;
        if (DirectoryDecision.SETTLED.equals(decision.type())) waiter.settled = decision;
        else if (decision.isRefresh()) waiter.refreshed.add(decision);
        else waiter.decided.add(decision);
        if (waiter.complete() && waiting.remove(decision.requestId(), waiter)) {
            Outcome outcome = waiter.outcome();
            AsyncSends.completions().execute(() -> waiter.done.complete(outcome));
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        timeouts.shutdownNow();
        if (!poller.isAlive()) {
            consumer.close(Duration.ofSeconds(2));
            return;
        }
        try {
            poller.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
