package dev.history.streams;

import dev.history.common.JsonSerde;
import dev.history.common.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The history-streams topology, a pure function of the topic names:
 * <pre>
 * history-events ──▶ timeline (timeline + timeline-ids stores, by username)
 * customer-profiles ──▶ profiles store ──(alias claims/releases, repartitioned by alias)──▶ aliases store
 * </pre>
 */
public final class HistoryTopology {
    /** Name (after the application id) of the alias-keyed repartition topic the aliases store consumes. */
    public static final String ALIAS_CHANGES = "alias-changes";

    private HistoryTopology() {}

    /** The alias repartition topic of application {@code applicationId}. */
    public static String aliasChangesTopic(String applicationId) {
        return applicationId + "-" + ALIAS_CHANGES + "-repartition";
    }

    public static Topology build(Topics topics) {
        return build(topics, new ProcessedOffsets());
    }

    /** @param progress told about every record each processor has dealt with (readiness, read-your-writes) */
    public static Topology build(Topics topics, ProcessedOffsets progress) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.TIMELINE), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.TIMELINE_IDS), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.PROFILES), Serdes.String(), JsonSerde.CUSTOMER_PROFILE)
                .withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.ALIASES), Serdes.String(), JsonSerde.CUSTOMER_PROFILE)
                .withCachingDisabled());

        builder.stream(topics.historyEvents(), Consumed.with(Serdes.String(), JsonSerde.HISTORY_COMMAND)
                        .withName("history-events-source"))
                .process(() -> new TimelineProcessor(progress), Named.as("timeline-processor"),
                        StoreNames.TIMELINE, StoreNames.TIMELINE_IDS);

        builder.stream(topics.customerProfiles(), Consumed.with(Serdes.String(), JsonSerde.CUSTOMER_PROFILE)
                        .withName("customer-profiles-source"))
                .process(() -> new ProfileProcessor(progress), Named.as("profile-processor"), StoreNames.PROFILES)
                .repartition(Repartitioned.with(Serdes.String(), AliasChange.SERDE).withName(ALIAS_CHANGES))
                .process(() -> new AliasProcessor(progress), Named.as("alias-processor"), StoreNames.ALIASES);
        return builder.build();
    }
}
