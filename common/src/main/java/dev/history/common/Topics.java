package dev.history.common;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/** Topic names (configuration, with defaults) and how each topic is created. */
public record Topics(String historyEvents, String customerProfiles) {

    public static Topics from(Env env) {
        return new Topics(
                env.get("TOPIC_HISTORY_EVENTS", "history-events"),
                env.get("TOPIC_CUSTOMER_PROFILES", "customer-profiles"));
    }

    /** Topic definitions: history is the source of truth and is kept forever; profiles are compacted. */
    public List<NewTopic> definitions(int partitions, short replication, int minInsyncReplicas) {
        String minIsr = Integer.toString(minInsyncReplicas);
        return List.of(
                new NewTopic(historyEvents, partitions, replication).configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, "-1",
                        TopicConfig.RETENTION_BYTES_CONFIG, "-1",
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                new NewTopic(customerProfiles, partitions, replication).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)));
    }
}
