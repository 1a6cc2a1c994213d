package dev.history.fulfillment;

import dev.history.common.Env;
import dev.history.common.HangingTransactions;
import dev.history.common.EventRules;
import dev.history.common.KafkaSettings;
import dev.history.common.SourceRegistry;
import dev.history.common.http.auth.AuthSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Everything the fulfillment module reads from the environment, with defaults (see docs/FULFILLMENT.md).
 * Building it loads and validates the task catalog, so a bad catalog stops start-up here.
 *
 * @param workerEnabled false runs only the HTTP routes (a gateway-only instance): no webhook calls
 * @param concurrency webhook calls in flight at once, over all targets
 * @param perHostConcurrency calls in flight per target host:port, so one slow target cannot take every slot
 * @param maxPending requests held by this worker (waiting + queued + in flight) before it pauses reading
 * @param maxResponseBytes response bytes read from a webhook; the rest is dropped
 * @param stopTimeout how long a graceful stop, or a partition hand-over, waits for calls in flight to finish
 *     and be recorded; calls still running then are repeated by the next owner
 * @param transactionTimeout {@code transaction.timeout.ms} of the worker's transactional producers: how long
 *     the broker keeps a crashed instance's open transaction (which holds back read_committed readers)
 *     before aborting it, when the instance does not come back with the same instance id sooner
 * @param stateDir where the disk-backed status store (RocksDB) lives; one directory per instance
 * @param instanceId this instance's stable name, the base of its {@code transactional.id}s; null = the id
 *     kept in {@code stateDir} (created once), so a restart on the same disk fences and aborts at once
 *     whatever its predecessor left open
 * @param sources the source codes history events may carry ({@code HISTORY_SOURCES}, read as the gateway reads it)
 * @param childSource the source code of the child events ({@code FULFILLMENT_CHILD_SOURCE}, default {@code agent});
 *     a config whose child source is not in {@code sources} cannot be built, so the worker refuses to start
 * @param hangingTransactions when a transaction left open on a topic the worker reads is aborted
 *     ({@code HANGING_TRANSACTION_MS}, {@code KAFKA_TRANSACTION_MAX_TIMEOUT_MS}; see {@link HangingTransactions})
 * @param auth how the worker's HTTP edge is protected (docs/SECURITY.md)
 * @param erasure crypto-shredding of requests, statuses and child events (docs/DESIGN-NOTES.md#erasure)
 */
public record FulfillmentConfig(
        KafkaSettings kafka,
        FulfillmentTopics topics,
        String groupId,
        TaskCatalog tasks,
        RetryPolicy retry,
        AddressGuard addressGuard,
        int concurrency,
        int perHostConcurrency,
        int maxPending,
        Duration connectTimeout,
        Duration requestTimeout,
        long maxResponseBytes,
        Duration commitInterval,
        boolean workerEnabled,
        Duration stopTimeout,
        Duration transactionTimeout,
        Path stateDir,
        String instanceId,
        SourceRegistry sources,
        String childSource,
        HangingTransactions.Settings hangingTransactions,
        AuthSettings auth,
        dev.history.common.privacy.ErasureSettings erasure) {

    public FulfillmentConfig {
        if (!sources.contains(childSource)) {
            throw new IllegalArgumentException("FULFILLMENT_CHILD_SOURCE '" + childSource + "' is not a registered source"
                    + " code; HISTORY_SOURCES registers: " + String.join(", ", sources.codes())
                    + ". Add it to HISTORY_SOURCES or set FULFILLMENT_CHILD_SOURCE to one of these");
        }
    }

    public static FulfillmentConfig from(Env env) {
        RetryPolicy retry = new RetryPolicy(
                Durations.parseList(env.get("FULFILLMENT_RETRY_SCHEDULE", "1s,5s,30s,2m,10m,30m")),
                decimal(env, "FULFILLMENT_RETRY_GROWTH", 2),
                Durations.parse(env.get("FULFILLMENT_RETRY_MAX_DELAY", "1h")),
                decimal(env, "FULFILLMENT_RETRY_JITTER", 0.2),
                env.getInt("FULFILLMENT_MAX_ATTEMPTS", 8),
                Durations.parse(env.get("FULFILLMENT_MAX_AGE", "24h")),
                Durations.parse(env.get("FULFILLMENT_RETRY_AFTER_MAX", "1h")));
        Duration requestTimeout = Duration.ofMillis(env.getLong("FULFILLMENT_REQUEST_TIMEOUT_MS", 10_000));
        String tasksFile = env.get("FULFILLMENT_TASKS_FILE", null);
        TaskCatalog tasks = tasksFile == null ? TaskCatalog.empty()
                : TaskCatalog.load(Path.of(tasksFile), retry, requestTimeout, env);
        return new FulfillmentConfig(
                KafkaSettings.from(env),
                FulfillmentTopics.from(env),
                env.get("FULFILLMENT_GROUP_ID", "fulfillment-worker"),
                tasks,
                retry,
                AddressGuard.parse(env.getList("WEBHOOK_ALLOWED_NETWORKS", "")),
                positive(env, "FULFILLMENT_CONCURRENCY", 256),
                positive(env, "FULFILLMENT_PER_HOST_CONCURRENCY", 64),
                positive(env, "FULFILLMENT_MAX_PENDING", 10_000),
                Duration.ofMillis(env.getLong("FULFILLMENT_CONNECT_TIMEOUT_MS", 5_000)),
                requestTimeout,
                env.getLong("FULFILLMENT_MAX_RESPONSE_BYTES", 64 * 1024),
                Duration.ofMillis(env.getLong("FULFILLMENT_COMMIT_INTERVAL_MS", 1_000)),
                env.getBoolean("FULFILLMENT_WORKER_ENABLED", true),
                Duration.ofMillis(env.getLong("FULFILLMENT_STOP_TIMEOUT_MS", 10_000)),
                Duration.ofMillis(env.getLong("FULFILLMENT_TRANSACTION_TIMEOUT_MS", 10_000)),
                Path.of(env.get("FULFILLMENT_STATE_DIR", Path.of(env.get("DATA_DIR", "data"), "fulfillment").toString())),
                env.get("FULFILLMENT_INSTANCE_ID", null),
                SourceRegistry.from(env),
                env.get("FULFILLMENT_CHILD_SOURCE", "agent").toLowerCase(Locale.ROOT),
                HangingTransactions.Settings.from(env),
                AuthSettings.from(env),
                dev.history.common.privacy.ErasureSettings.from(env));
    }

    public FulfillmentConfig withKafka(KafkaSettings newKafka) {
        return new FulfillmentConfig(newKafka, topics, groupId, tasks, retry, addressGuard, concurrency,
                perHostConcurrency, maxPending, connectTimeout, requestTimeout, maxResponseBytes, commitInterval,
                workerEnabled, stopTimeout, transactionTimeout, stateDir, instanceId, sources, childSource,
                hangingTransactions, auth, erasure);
    }

    /** What a valid history event is (the child events go through the same rules as the gateway's events). */
    public EventRules rules() {
        return new EventRules(sources);
    }

    private static double decimal(Env env, String name, double fallback) {
        String value = env.get(name, null);
        if (value == null) return fallback;
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + value + "'");
        }
    }

    private static int positive(Env env, String name, int fallback) {
        int value = env.getInt(name, fallback);
        if (value < 1) throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        return value;
    }

    /** One start-up log line; the catalog's secrets are not part of any toString. */
    @Override
    public String toString() {
        return "FulfillmentConfig[kafka=" + kafka + ", topics=" + topics + ", group=" + groupId
                + ", tasks=" + tasks.all().size() + " (" + tasks.active().size() + " active)"
                + ", retry=" + retry + ", allowedNetworks=" + addressGuard.allowed()
                + ", concurrency=" + concurrency + "/" + perHostConcurrency + " per host, maxPending=" + maxPending
                + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout
                + ", maxResponseBytes=" + maxResponseBytes + ", worker=" + workerEnabled
                + ", stopTimeout=" + stopTimeout + ", transactionTimeout=" + transactionTimeout
                + ", stateDir=" + stateDir + ", instanceId=" + instanceId + ", sources=" + sources.codes()
                + ", childSource=" + childSource + ", auth=" + auth + "]";
    }
}
