package dev.history.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;

/**
 * What the directory decided about one profile write, on the decisions topic keyed by username.
 *
 * <ul>
 *   <li>{@code alias}: the alias processor's decision about one alias change of the write ({@code op}
 *       claim / release / refresh; {@code accepted}; {@code owner} = who holds the alias now) and the
 *       alias-changes position it was made at ({@code topic}/{@code partition}/{@code offset}): a
 *       directory read that has processed that position sees it.</li>
 *   <li>{@code settled}: the profile side has applied every decision of the write ({@code expected}
 *       alias decisions; refused aliases stripped from the stored profile, then {@code refreshes}
 *       refresh claims sent so the directory's copies of the profile lose them too).</li>
 * </ul>
 * {@code requestId} is the writer's id (record header {@value #REQUEST_ID_HEADER}), {@code profileOffset}
 * the write's offset on {@code customer-profiles}: the identity the profile side matches decisions with.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DirectoryDecision(
        String type,
        String username,
        String requestId,
        Long profileOffset,
        Integer expected,
        String alias,
        String op,
        Boolean accepted,
        String owner,
        String topic,
        Integer partition,
        Long offset,
        Integer refreshes,
        List<String> refused) {
    public static final String ALIAS = "alias";

    /** The decisions topic of Streams application {@code applicationId}. */
    public static String topic(String applicationId) {
        return applicationId + "-directory-decisions";
    }

    /**
     * The decisions topic as whoever starts first creates it (history-streams, or a gateway whose directory
     * writes wait on it): the partition count of customer-profiles, since the profile side reads both in one
     * task per partition; kept 7 days.
     */
    public static NewTopic definition(String topic, KafkaSettings kafka) {
        return new NewTopic(topic, kafka.partitions(), kafka.replicationFactor())
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(7).toMillis()),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(kafka.minInsyncReplicas())));
    }

    public static final String SETTLED = "settled";
    /** Header of a {@code customer-profiles} record naming the write for whoever waits for its decision. */
    public static final String REQUEST_ID_HEADER = "directory-request-id";
    public static final Serde<DirectoryDecision> SERDE = JsonSerde.of(DirectoryDecision.class);

    public static DirectoryDecision alias(String alias, AliasChange change, boolean accepted, String owner, String topic,
            int partition, long offset) {
        return new DirectoryDecision(ALIAS, change.username(), change.requestId(), change.profileOffset(), change.expected(),
                alias, change.op(), accepted, owner, topic, partition, offset, null, null);
    }

    public static DirectoryDecision settled(String username, String requestId, Long profileOffset, int expected, int refreshes,
            List<String> refused) {
        return new DirectoryDecision(SETTLED, username, requestId, profileOffset, expected, null, null, null, null,
                null, null, null, refreshes, refused);
    }

    public boolean isRefresh() {
        return AliasChange.REFRESH.equals(op);
    }
}
