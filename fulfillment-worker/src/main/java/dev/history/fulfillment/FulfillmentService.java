package dev.history.fulfillment;

import dev.history.common.privacy.Privacy;
import dev.history.common.ConsistencyToken;
import dev.history.common.EventRules;
import dev.history.common.HangingTransactions;
import dev.history.common.KafkaSettings;
import dev.history.common.Timestamps;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.internals.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fulfillment module as one unit: owns its Kafka clients (the transactional acceptor, the status store and,
 * unless disabled, the delivery worker) and offers what the HTTP routes need. {@link #start()} creates
 * the topics and returns at once; {@link #isReady()} turns true when the status view is loaded and the
 * worker polls.
 */
public final class FulfillmentService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FulfillmentService.class);

    /**
     * The answer to an accepted request: its id, whether it was already known (a repeat), and the position
     * of its durable acceptance ({@code Consistency-Token}; empty when this instance does not know it).
     */
    public record Accepted(String id, boolean repeated, ConsistencyToken token) {}

    private final FulfillmentConfig config;
    private final Clock clock;
    private final FulfillmentMetrics metrics;
    private final EventRules rules;
    private final ChildEvents children;
    private final Map<String, CompletableFuture<Accepted>> accepting = new ConcurrentHashMap<>();
    private StatusStore view;
    private HangingTransactions hanging;
    private OutcomeRecords records;
    private Acceptor acceptor;
    private WebhookClient webhooks;
    private DeliveryWorker worker;
    private volatile boolean started;
    private Privacy privacy;
    private boolean ownsPrivacy;
    private FulfillmentSealing sealing = new FulfillmentSealing(Privacy.disabled());

    public FulfillmentService(FulfillmentConfig config) {
        this(config, new CompositeMeterRegistry(), Clock.systemUTC());
    }

    /** @param registry where webhook attempt / outcome / latency metrics go (the process's Prometheus registry) */
    public FulfillmentService(FulfillmentConfig config, MeterRegistry registry) {
        this(config, registry, Clock.systemUTC());
    }

    FulfillmentService(FulfillmentConfig config, Clock clock) {
        this(config, new CompositeMeterRegistry(), clock);
    }

    FulfillmentService(FulfillmentConfig config, MeterRegistry registry, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.metrics = new FulfillmentMetrics(registry);
        this.rules = config.rules();
        this.children = new ChildEvents(rules, config.childSource());
    }

    /** Seals with this process's shared {@code privacy} (standalone) instead of starting one from the config. */
    public FulfillmentService withPrivacy(Privacy shared) {
        this.privacy = shared;
        return this;
    }

    public synchronized void start() {
        if (started) return;
        LOG.info("starting fulfillment: {}", config);
        try {
            startParts();
        } catch (RuntimeException e) {
            // Nothing half-started stays behind: a retry (startRetrying) starts from scratch.
            stopParts();
            throw e;
        }
        started = true;
    }

    /**
     * Starts in the background and keeps trying until Kafka answers: on a cold cluster the first
     * {@code initTransactions} or topic check can time out, and a worker that exits then would need a
     * restart by hand. Until {@link #start()} succeeds, {@link #isReady()} is false (readiness 503) and the
     * routes answer 503 + Retry-After.
     */
    public void startRetrying(Duration pause) {
        Thread starter = new Thread(() -> {
            int failures = 0;
            while (!closing) {
                try {
                    start();
                    if (failures > 0) LOG.info("fulfillment started after {} failed attempt(s)", failures);
                    return;
                } catch (RuntimeException e) {
                    failures++;
                    startFailures = failures;
                    LOG.warn("fulfillment cannot start yet (attempt {}: {}); not ready, retrying in {} ms", failures,
                            e.toString(), pause.toMillis());
                }
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "fulfillment-start");
        starter.setDaemon(true);
        starter.start();
    }

    private volatile boolean closing;
    private volatile int startFailures;

    /** Failed start attempts of {@link #startRetrying} so far. */
    int startFailures() {
        return startFailures;
    }

    private void startParts() {
        KafkaSettings kafka = config.kafka();
        List<NewTopic> topics = new ArrayList<>(config.topics().definitions(kafka.partitions(),
                kafka.replicationFactor(), kafka.minInsyncReplicas()));
        kafka.topics().definitions(kafka.partitions(), kafka.replicationFactor(), kafka.minInsyncReplicas()).stream()
                .filter(t -> t.name().equals(kafka.topics().historyEvents()))
                .forEach(topics::add);
        kafka.ensureTopics(topics);
        String instance = dev.history.common.InstanceIds.resolve(config.instanceId(), config.stateDir());
        if (privacy == null) {
            privacy = Privacy.start(config.erasure(), kafka, "fulfillment");
            ownsPrivacy = true;
        }
        sealing = new FulfillmentSealing(privacy);
        records = new OutcomeRecords(config.topics(), kafka.topics().historyEvents(), children, sealing);
        TransactionalWriter acceptWriter = new TransactionalWriter(kafka, "fulfillment-accept",
                "fulfillment-" + instance + "-accept", config.transactionTimeout());
        // Learn every partition now, so the first accepted request does not wait for metadata.
        try {
            acceptWriter.warmUp(topics.stream().map(NewTopic::name).toList());
        } catch (RuntimeException e) {
            acceptWriter.abandon();
            throw e;
        }
        acceptor = new Acceptor(acceptWriter);
        acceptor.start();
        view = new StatusStore(kafka, config.topics().status(), config.stateDir().resolve("status"));
        view.start();
        // A transaction left hanging on a topic the worker reads (requests, retries, status) would stall it, and
        // one whose pending offset commit hangs on the group offsets topic would block its committed offsets.
        List<String> read = List.of(config.topics().requests(), config.topics().retries(), config.topics().status(),
                Topic.GROUP_METADATA_TOPIC_NAME);
        hanging = new HangingTransactions(kafka, "fulfillment-" + instance + "-hanging-transactions", read::contains,
                config.hangingTransactions()).start(Duration.ofSeconds(5));
        if (config.workerEnabled()) {
            webhooks = new WebhookClient(config.addressGuard(), config.connectTimeout(), config.maxResponseBytes(),
                    config.concurrency(), clock);
            TransactionalWriter workerWriter = new TransactionalWriter(kafka, "fulfillment-worker",
                    "fulfillment-" + instance + "-worker", config.transactionTimeout());
            worker = new DeliveryWorker(config, instance, view, records, workerWriter, webhooks, clock, metrics);
            worker.start();
        }
    }

    /** Stops what a failed start had started (each part may be missing). */
    private void stopParts() {
        if (worker != null) worker.abort();
        if (acceptor != null) acceptor.abort();
        if (webhooks != null) webhooks.close();
        if (hanging != null) hanging.close();
        if (view != null) view.close();
        if (ownsPrivacy && privacy != null) {
            privacy.close();
            privacy = null;
        }
        worker = null;
        acceptor = null;
        webhooks = null;
        hanging = null;
        view = null;
    }

    public boolean isReady() {
        StatusStore loaded = view;
        return started && loaded != null && loaded.loaded() && (worker == null || worker.running());
    }

    public FulfillmentConfig config() {
        return config;
    }

    public TaskCatalog tasks() {
        return config.tasks();
    }

    public Optional<FulfillmentStatus> status(String id) {
        requireLoaded();
        return view.get(id).flatMap(sealing::open);
    }

    /**
     * Why the history event rules (the gateway's) refuse {@code request}'s child events, by request field
     * ({@code username}, {@code eventParent}); empty when it may be submitted.
     */
    public List<EventRules.FieldError> refusals(FulfillmentRequest request) {
        return children.refusals(request);
    }

    /** The rules' verdict on a username alone: a request for a customer they refuse is refused. */
    public EventRules.Result checkUsername(String username) {
        return rules.checkUsername(username);
    }

    /**
     * Makes a request durable (status, request record, "requested" child event) and completes once Kafka
     * acknowledged. A request whose id is known is not written again: the same id is returned. A request
     * with {@link #refusals} fails with {@link IllegalArgumentException} and nothing is written.
     */
    public CompletableFuture<Accepted> submit(FulfillmentRequest request) {
        requireLoaded();
        List<EventRules.FieldError> refused = refusals(request);
        if (!refused.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("request refused: " + refused));
        }
        CompletableFuture<Accepted> mine = new CompletableFuture<>();
        CompletableFuture<Accepted> earlier = accepting.putIfAbsent(request.id(), mine);
        if (earlier != null) return earlier.thenApply(a -> new Accepted(a.id(), true, a.token()));
        Optional<FulfillmentStatus> known = view.get(request.id()).map(s -> sealing.open(s).orElse(s));
        if (known.isPresent()) {
            accepting.remove(request.id(), mine);
            if (!known.get().username().equals(request.username()) || !known.get().task().equals(request.taskId())) {
                return CompletableFuture.failedFuture(new Conflict(request.id()));
            }
            mine.complete(new Accepted(request.id(), true, view.position(request.id())));
            return mine;
        }
        FulfillmentStatus pending = FulfillmentStatus.pending(request);
        view.claim(pending);
        // Written on the acceptor's own thread: never on a Kafka client's I/O thread, never holding this one.
        // The customer's data key first (created, asynchronously, for a new customer), so building the sealed
        // records never waits for Kafka on this thread.
        sealing.ready(request.username()).thenCompose(ready -> acceptor.write(records.accept(request, pending)))
                .whenComplete((token, error) -> {
                    accepting.remove(request.id(), mine);
                    if (error != null) {
                        view.forget(request.id(), pending);
                        LOG.error("cannot accept fulfillment request {} for task {}: {}", request.id(), request.taskId(), error.toString());
                        mine.completeExceptionally(error);
                    } else {
                        LOG.debug("accepted fulfillment request {} task {} key={} topic={}", request.id(), request.taskId(),
                                request.id(), config.topics().requests());
                        view.confirm(pending);
                        mine.complete(new Accepted(request.id(), false, token));
                    }
                });
        return mine;
    }

    /** A new request reusing the id of a different one (another customer or task). */
    public static final class Conflict extends RuntimeException {
        Conflict(String id) {
            super("request id " + id + " was already used for a different request", null, false, false);
        }
    }

    String now() {
        return Timestamps.format(clock.instant());
    }

    private void requireLoaded() {
        if (!started || view == null || !view.loaded()) {
            throw dev.history.common.http.ApiError.unavailable("fulfillment status is still loading", 1);
        }
    }

    /** Graceful stop: in-flight calls get a moment to finish, durable outcomes are committed. */
    @Override
    public synchronized void close() {
        closing = true;
        if (!started) return;
        started = false;
        if (worker != null) worker.close();
        acceptor.close();
        if (webhooks != null) webhooks.close();
        hanging.close();
        view.close();
        if (ownsPrivacy && privacy != null) privacy.close();
        LOG.info("fulfillment stopped");
    }

    /** Stops like a crash: nothing is committed or flushed (tests: kill -9 during a backoff). */
    synchronized void abort() {
        started = false;
        if (worker != null) worker.abort();
        acceptor.abort();
        if (webhooks != null) webhooks.close();
        hanging.close();
        view.close();
    }

    /** Test hook: makes the worker's consumer rejoin its group, getting its partitions back. */
    void rebalanceForTest() {
        worker.rebalanceForTest();
    }

    long failedDeadLetterWrites() {
        return worker.failedDeadLetterWrites();
    }

    /** Requests the worker holds right now (parked for their time, queued or in flight). */
    int held() {
        return worker == null ? 0 : worker.pending();
    }
}
