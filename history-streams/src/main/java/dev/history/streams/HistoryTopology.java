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
    private HistoryTopology() {}

    public static Topology build(Topics topics) {
        return build(topics, TimelineListener.NONE);
    }

    /** @param timelineListener told of every materialised timeline change (live streams) */
    public static Topology build(Topics topics, TimelineListener timelineListener) {
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
                .process(() -> new TimelineProcessor(timelineListener), Named.as("timeline-processor"),
                        StoreNames.TIMELINE, StoreNames.TIMELINE_IDS);

        builder.stream(topics.customerProfiles(), Consumed.with(Serdes.String(), JsonSerde.CUSTOMER_PROFILE)
                        .withName("customer-profiles-source"))
                .process(ProfileProcessor::new, Named.as("profile-processor"), StoreNames.PROFILES)
                .repartition(Repartitioned.with(Serdes.String(), AliasChange.SERDE).withName("alias-changes"))
                .process(AliasProcessor::new, Named.as("alias-processor"), StoreNames.ALIASES);
        return builder.build();
    }
}
