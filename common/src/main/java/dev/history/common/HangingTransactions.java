package dev.history.common;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and aborts hanging transactions on the topics a service reads with {@code read_committed}.
 *
 * <p>A transaction that a partition still holds open after its coordinator has finished it (or never knew
 * of it) pins the partition's last stable offset for good: every later record, committed or not
 * transactional at all, stays invisible to {@code read_committed} consumers. It was seen on the embedded
 * broker after a {@code kill -9}: a fulfillment worker's transaction was {@code CompleteCommit} at its
 * coordinator while {@code history-events} partition 2 kept it open, so acknowledged events behind it
 * never reached the timelines. Kafka's remedy is {@code kafka-transactions.sh find-hanging} and
 * {@code abort}; this class does the same, every {@code interval}, with the Admin API:
 *
 * <ul>
 *   <li>a partition's open transaction that this guard has seen open, at the same start offset, for at
 *       least {@code hangingAfter} is <em>hanging</em> when its coordinator no longer lists that producer
 *       id, or lists it not ongoing, or ongoing with another epoch or without this partition;
 *   <li>one seen open longer than {@code maxTransaction} (the brokers' {@code transaction.max.timeout.ms})
 *       is hanging whatever its coordinator says: the coordinator would have aborted it by then.
 * </ul>
 * How long a transaction has been open is the guard's own observation (first seen at this start offset),
 * never the records' timestamps: Kafka Streams writes changelog and repartition records with the
 * timestamps of its input, hours or days old during a rebuild or a backlog, and a guard that read them
 * as the transaction's age aborted live transactions (seen under load in {@code bench/restore}).
 * A hanging transaction is aborted on that partition only (an abort marker), logged with its topic,
 * partition, producer and start offset, and counted. Records of a transaction its coordinator had
 * committed are discarded by the abort: the price of unblocking the partition, said in the log line.
 */
public final class HangingTransactions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HangingTransactions.class);

    /**
     * @param hangingAfter how long a transaction may sit open on a partition before its coordinator is asked
     *     about it ({@code HANGING_TRANSACTION_MS}, default 30000): longer than the {@code transaction.timeout.ms}
     *     of every producer writing the watched topics
     * @param maxTransaction the brokers' {@code transaction.max.timeout.ms} ({@code KAFKA_TRANSACTION_MAX_TIMEOUT_MS},
     *     default 900000): a transaction open longer is hanging whatever its coordinator says
     */
    public record Settings(Duration hangingAfter, Duration maxTransaction) {
        public static Settings from(Env env) {
            return new Settings(Duration.ofMillis(env.getLong("HANGING_TRANSACTION_MS", 30_000)),
                    Duration.ofMillis(env.getLong("KAFKA_TRANSACTION_MAX_TIMEOUT_MS", 900_000)));
        }
    }

    private final Admin admin;
    private final Predicate<String> topics;
    private final long hangingAfterMs;
    private final long maxTransactionMs;
    private final AtomicLong aborted = new AtomicLong();
    /** Open transactions seen on the last pass → when this guard first saw each (its own clock). */
    private Map<OpenTransaction, Long> firstSeen = new HashMap<>();

    /** One producer's open transaction on one partition, identified by where it starts. */
    private record OpenTransaction(TopicPartition partition, long producerId, int epoch, long startOffset) {}
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hanging-transactions");
        t.setDaemon(true);
        return t;
    });

    public HangingTransactions(KafkaSettings kafka, String clientId, Predicate<String> topics, Settings settings) {
        this(kafka, clientId, topics, settings.hangingAfter(), settings.maxTransaction());
    }

    /**
     * @param topics which topics to watch (the ones the service reads {@code read_committed}, its own internal ones included)
     * @param hangingAfter how long a transaction may sit open on a partition before its coordinator is
     *     asked about it: longer than the {@code transaction.timeout.ms} of every producer writing the topics
     * @param maxTransaction the brokers' {@code transaction.max.timeout.ms} (15 minutes by default)
     */
    public HangingTransactions(KafkaSettings kafka, String clientId, Predicate<String> topics, Duration hangingAfter,
            Duration maxTransaction) {
        this.admin = Admin.create(kafka.common(clientId));
        this.topics = topics;
        this.hangingAfterMs = hangingAfter.toMillis();
        this.maxTransactionMs = maxTransaction.toMillis();
    }

    /** Checks the topics every {@code interval} from now on. */
    public HangingTransactions start(Duration interval) {
        ticker.scheduleWithFixedDelay(this::checkSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Transactions this instance aborted since it started. */
    public long aborted() {
        return aborted.get();
    }

    /**
     * Whether the open transaction of {@code producer} on {@code partition}, seen open for {@code openForMs}
     * by this guard, is hanging, given what its coordinator says ({@code coordinator}: the description of
     * the transactional id that holds the producer id now, or null when none does).
     */
    static boolean isHanging(TopicPartition partition, ProducerState producer, TransactionDescription coordinator,
            long openForMs, long hangingAfterMs, long maxTransactionMs) {
        if (producer.currentTransactionStartOffset().isEmpty()) return false;
        if (openForMs < hangingAfterMs) return false;
        if (openForMs >= maxTransactionMs) return true;
        if (coordinator == null || coordinator.producerId() != producer.producerId()) return true;
        boolean inProgress = coordinator.state() == TransactionState.ONGOING
                || coordinator.state() == TransactionState.PREPARE_COMMIT
                || coordinator.state() == TransactionState.PREPARE_ABORT;
        return !inProgress || coordinator.producerEpoch() != producer.producerEpoch()
                || !coordinator.topicPartitions().contains(partition);
    }

    /** One pass over every partition of the topics; returns how many transactions it aborted. */
    public synchronized int check() throws Exception {
        long timeout = 10;
        List<TopicPartition> partitions = new ArrayList<>();
        // Internal topics included: a transaction's pending offset commit on __consumer_offsets blocks its group.
        List<String> watched = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                .get(timeout, TimeUnit.SECONDS).stream().filter(topics).toList();
        if (watched.isEmpty()) return 0;
        for (TopicDescription topic : admin.describeTopics(watched).allTopicNames().get(timeout, TimeUnit.SECONDS).values()) {
            topic.partitions().forEach(p -> partitions.add(new TopicPartition(topic.name(), p.partition())));
        }
        Map<TopicPartition, PartitionProducerState> states = admin.describeProducers(partitions).all().get(timeout, TimeUnit.SECONDS);
        long now = System.currentTimeMillis();
        Map<OpenTransaction, Long> seen = new HashMap<>();
        Map<TopicPartition, List<ProducerState>> open = new HashMap<>();
        Set<Long> producerIds = new HashSet<>();
        states.forEach((tp, state) -> state.activeProducers().stream()
                .filter(p -> p.currentTransactionStartOffset().isPresent())
                .forEach(p -> {
                    OpenTransaction key = openTransaction(tp, p);
                    long since = firstSeen.getOrDefault(key, now);
                    seen.put(key, since);
                    if (now - since >= hangingAfterMs) {
                        open.computeIfAbsent(tp, k -> new ArrayList<>()).add(p);
                        producerIds.add(p.producerId());
                    }
                }));
        firstSeen = seen; // transactions that ended since the last pass are forgotten
        if (open.isEmpty()) return 0;
        Map<Long, TransactionDescription> coordinators = coordinators(producerIds, timeout);
        int count = 0;
        for (Map.Entry<TopicPartition, List<ProducerState>> entry : open.entrySet()) {
            TopicPartition tp = entry.getKey();
            for (ProducerState p : entry.getValue()) {
                TransactionDescription coordinator = coordinators.get(p.producerId());
                long openFor = now - seen.get(openTransaction(tp, p));
                if (!isHanging(tp, p, coordinator, openFor, hangingAfterMs, maxTransactionMs)) continue;
                LOG.warn("aborting a hanging transaction topic={} partition={} producerId={} epoch={} startOffset={} "
                                + "seenOpenFor={} ms; coordinator says {} (records of this transaction on this partition "
                                + "are discarded; the partition's later records become readable)",
                        tp.topic(), tp.partition(), p.producerId(), p.producerEpoch(), p.currentTransactionStartOffset().getAsLong(),
                        openFor, coordinator == null ? "nothing" : coordinator.state() + " epoch " + coordinator.producerEpoch());
                admin.abortTransaction(new AbortTransactionSpec(tp, p.producerId(), (short) p.producerEpoch(),
                        p.coordinatorEpoch().orElse(-1))).all().get(timeout, TimeUnit.SECONDS);
                aborted.incrementAndGet();
                count++;
            }
        }
        return count;
    }

    private static OpenTransaction openTransaction(TopicPartition tp, ProducerState p) {
        return new OpenTransaction(tp, p.producerId(), p.producerEpoch(), p.currentTransactionStartOffset().getAsLong());
    }

    /** Producer id → the description of the transactional id holding it now (absent when none does). */
    private Map<Long, TransactionDescription> coordinators(Set<Long> producerIds, long timeout) throws Exception {
        Collection<TransactionListing> listings = admin.listTransactions(new ListTransactionsOptions().filterProducerIds(producerIds))
                .all().get(timeout, TimeUnit.SECONDS);
        Map<Long, TransactionDescription> byProducer = new HashMap<>();
        if (listings.isEmpty()) return byProducer;
        List<String> ids = listings.stream().map(TransactionListing::transactionalId).toList();
        admin.describeTransactions(ids).all().get(timeout, TimeUnit.SECONDS)
                .values().forEach(d -> byProducer.put(d.producerId(), d));
        return byProducer;
    }

    private void checkSafely() {
        try {
            check();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("hanging-transaction check failed (will retry): {}", e.toString());
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        admin.close(Duration.ofSeconds(5));
    }
}
