package dev.history.fulfillment;

import dev.history.common.Env;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The worker's topics. All are keyed by request id, so a request, its retries and its status share a
 * partition number and stay in order per request.
 *
 * @param requests accepted requests (attempt 1), written by {@code POST /fulfillment}; kept for days
 * @param retries the next attempt of a request with the time it is due; kept for days
 * @param deadLetters requests that gave up, with headers saying why; kept for weeks for redrive
 * @param status the latest state of each request; compacted, plus deleted after {@code statusRetention}
 */
public record FulfillmentTopics(
        String requests,
        String retries,
        String deadLetters,
        String status,
        Duration retention,
        Duration deadLetterRetention,
        Duration statusRetention) {

    public static FulfillmentTopics from(Env env) {
        return new FulfillmentTopics(
                env.get("TOPIC_FULFILLMENT_REQUESTS", "fulfillment-requests"),
                env.get("TOPIC_FULFILLMENT_RETRIES", "fulfillment-retries"),
                env.get("TOPIC_FULFILLMENT_DEAD_LETTERS", "fulfillment-dead-letters"),
                env.get("TOPIC_FULFILLMENT_STATUS", "fulfillment-status"),
                Durations.parse(env.get("FULFILLMENT_TOPIC_RETENTION", "7d")),
                Durations.parse(env.get("FULFILLMENT_DEAD_LETTER_RETENTION", "28d")),
                Durations.parse(env.get("FULFILLMENT_STATUS_RETENTION", "30d")));
    }

    public List<NewTopic> definitions(int partitions, short replication, int minInsyncReplicas) {
        String minIsr = Integer.toString(minInsyncReplicas);
        return List.of(
                new NewTopic(requests, partitions, replication).configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                new NewTopic(retries, partitions, replication).configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                new NewTopic(deadLetters, partitions, replication).configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(deadLetterRetention.toMillis()),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                new NewTopic(status, partitions, replication).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG,
                        TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(statusRetention.toMillis()),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)));
    }
}
