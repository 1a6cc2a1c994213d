package dev.history.streams;

import dev.history.common.JsonSerde;
import dev.history.common.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;
import dev.history.query.StoreNames;
import dev.history.query.ProcessedOffsets;
import dev.history.query.TimelineListener;
import dev.history.common.AliasChange;
import dev.history.common.DirectoryDecision;

/**
 * The history-streams topology, a pure function of the topic names:
 * <pre>
 * history-events ──▶ timeline (timeline + timeline-ids stores, by username)
 * customer-profiles ──▶ profiles store ──(alias claims/releases, repartitioned by alias)──▶ aliases store
 *        ▲ (strip refused aliases, refresh)                                                      │
 *        └──────────────── decisions topic (by username: accepted / refused, settled) ◀───────────┘
 * </pre>
 * The decisions topic is also what the directory's HTTP writes wait for (200 or 409 from the decision).
 */
public final class HistoryTopology {

    private HistoryTopology() {}


    public static Topology build(Topics topics) {
        return build(topics, TimelineListener.NONE);
    }

    /** @param timelineListener told of every materialised timeline change (live streams) */
    public static Topology build(Topics topics, TimelineListener timelineListener) {
        return build(topics, DirectoryDecision.topic("history-streams"), new ProcessedOffsets(), timelineListener);
    }

    /**
     * @param decisionsTopic the directory decisions topic (same partition count as {@code customer-profiles})
     * @param progress told about every record each processor has dealt with (readiness, read-your-writes)
     * @param timelineListener told of every materialised timeline change (live streams)
     */
    public static Topology build(Topics topics, String decisionsTopic, ProcessedOffsets progress,
            TimelineListener timelineListener) {
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

        builder.stream(topics.historyEvents(), Consumed.with(Serdes.String(), TimelineCommand.SERDE)
                        .withName("history-events-source"))
                .process(() -> new TimelineProcessor(progress, timelineListener), Named.as("timeline-processor"),
                        StoreNames.TIMELINE, StoreNames.TIMELINE_IDS);

        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.PENDING_WRITES), Serdes.String(), PendingWrite.SERDE)
                .withCachingDisabled());

        Produced<String, DirectoryDecision> toDecisions = Produced.with(Serdes.String(), DirectoryDecision.SERDE);
        KStream<String, DirectoryOutput> fromProfiles = builder.stream(topics.customerProfiles(),
                        Consumed.with(Serdes.String(), JsonSerde.CUSTOMER_PROFILE).withName("customer-profiles-source"))
                .process(() -> new ProfileProcessor(progress), Named.as("profile-processor"),
                        StoreNames.PROFILES, StoreNames.PENDING_WRITES);
        KStream<String, DirectoryOutput> fromDecisions = builder.stream(decisionsTopic,
                        Consumed.with(Serdes.String(), DirectoryDecision.SERDE).withName("directory-decisions-source"))
                .process(() -> new DecisionApplier(progress), Named.as("decision-applier"),
                        StoreNames.PROFILES, StoreNames.PENDING_WRITES);
        KStream<String, DirectoryOutput> profileSide = fromProfiles.merge(fromDecisions, Named.as("profile-side"));
        profileSide.filter((key, out) -> out.isChange(), Named.as("alias-changes-only"))
                .mapValues(DirectoryOutput::change, Named.as("alias-change"))
                .repartition(Repartitioned.with(Serdes.String(), AliasChange.SERDE).withName(AliasChange.REPARTITION_NAME))
                .process(() -> new AliasProcessor(progress), Named.as("alias-processor"), StoreNames.ALIASES)
                .to(decisionsTopic, toDecisions.withName("alias-decisions-sink"));
        profileSide.filter((key, out) -> !out.isChange(), Named.as("settled-only"))
                .mapValues(DirectoryOutput::decision, Named.as("settled-decision"))
                .to(decisionsTopic, Produced.with(Serdes.String(), DirectoryDecision.SERDE).withName("settled-sink"));
        return builder.build();
    }
}
