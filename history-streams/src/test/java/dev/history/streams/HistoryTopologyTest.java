package dev.history.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.Aliases;
import dev.history.common.CustomerProfile;
import dev.history.common.HistoryCommand;
import dev.history.common.HistoryEvent;
import dev.history.common.Json;
import dev.history.common.JsonSerde;
import dev.history.common.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.history.query.StoreNames;
import dev.history.query.TimelinePage;
import dev.history.query.TimelineQuery;

class HistoryTopologyTest {
    private static final Topics TOPICS = new Topics("history-events", "customer-profiles");

    private TopologyTestDriver driver;
    private TestInputTopic<String, HistoryCommand> history;
    private TestInputTopic<String, CustomerProfile> profiles;

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(HistoryTopology.build(TOPICS), props);
        history = driver.createInputTopic(TOPICS.historyEvents(), Serdes.String().serializer(),
                JsonSerde.HISTORY_COMMAND.serializer());
        profiles = driver.createInputTopic(TOPICS.customerProfiles(), Serdes.String().serializer(),
                JsonSerde.CUSTOMER_PROFILE.serializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void addedEventsComeBackOldestFirstWithTheirExactFields() {
        add("alice", event("e2", "2026-01-01T10:00:02.000Z", ""));
        add("alice", event("e1", "2026-01-01T10:00:01.000Z", ""));
        add("bob", event("b1", "2026-01-01T09:00:00.000Z", ""));

        List<HistoryEvent> timeline = timeline("alice");

        assertThat(timeline).extracting(HistoryEvent::id).containsExactly("e1", "e2");
        assertThat(timeline.get(0)).isEqualTo(event("e1", "2026-01-01T10:00:01.000Z", ""));
        assertThat(timeline("bob")).extracting(HistoryEvent::id).containsExactly("b1");
        assertThat(timeline("nobody")).isEmpty();
    }

    /** The stored element is the event's JSON in the one written form, whether the record carried it so or not. */
    @Test
    void theStoredElementIsTheEventAsJsonWritesItWhateverFormTheRecordHad() {
        HistoryEvent written = new HistoryEvent("w", "2026-01-01T10:00:01.000Z", "", 1, "chat", "web", "é \"q\"", null);
        add("alice", written);
        TestInputTopic<String, byte[]> raw = driver.createInputTopic(TOPICS.historyEvents(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        raw.pipeInput("alice", ("{ \"type\" : \"add\", \"event\" : { \"note\" : \"\\u0065nc1\", \"level\" : \"2\", "
                + "\"id\" : \"s\", \"timestamp\" : \"2026-01-01T10:00:02.000Z\", \"extra\" : [1] } }").getBytes(StandardCharsets.UTF_8));

        List<byte[]> stored = TimelineQuery.all("alice", 10).run(driver.<Bytes, byte[]>getKeyValueStore(StoreNames.TIMELINE)).events();
        assertThat(stored).hasSize(2);
        assertThat(stored.get(0)).isEqualTo(Json.write(written));
        assertThat(stored.get(1)).isEqualTo(Json.write(new HistoryEvent("s", "2026-01-01T10:00:02.000Z", null, 2, null, null, "enc1", null)));
    }

    @Test
    void sameTimestampKeepsArrivalOrder() {
        for (int i = 0; i < 5; i++) add("alice", event("e" + i, "2026-01-01T10:00:00.000Z", ""));
        assertThat(timeline("alice")).extracting(HistoryEvent::id).containsExactly("e0", "e1", "e2", "e3", "e4");
    }

    @Test
    void childrenKeepTheirParent() {
        add("alice", event("call", "2026-01-01T10:00:00.000Z", ""));
        add("alice", event("menu", "2026-01-01T10:00:01.000Z", "call"));

        assertThat(timeline("alice")).extracting(HistoryEvent::id, HistoryEvent::parent)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("call", ""),
                        org.assertj.core.groups.Tuple.tuple("menu", "call"));
    }

    @Test
    void aRepeatedEventIdIsStoredOnce() {
        add("alice", event("same", "2026-01-01T10:00:00.000Z", ""));
        add("alice", event("same", "2026-01-01T10:00:05.000Z", ""));
        add("alice", event("other", "2026-01-01T10:00:06.000Z", ""));

        assertThat(timeline("alice")).extracting(HistoryEvent::id).containsExactly("same", "other");
    }

    @Test
    void resetClearsOnlyThatCustomerAndLaterEventsAppearAlone() {
        add("alice", event("old1", "2026-01-01T10:00:00.000Z", ""));
        add("alice", event("old2", "2026-01-01T10:00:01.000Z", ""));
        add("alicia", event("keep", "2026-01-01T10:00:01.000Z", ""));
        history.pipeInput("alice", HistoryCommand.reset("alice", "test"));
        add("alice", event("new", "2026-01-01T11:00:00.000Z", ""));
        add("alice", event("old1", "2026-01-01T11:00:01.000Z", ""));

        assertThat(timeline("alice")).extracting(HistoryEvent::id).containsExactly("new", "old1");
        assertThat(timeline("alicia")).extracting(HistoryEvent::id).containsExactly("keep");
    }

    @Test
    void replayingAnOldRangeNeitherResurrectsClearedEventsNorClearsNewerOnes() {
        Instant t0 = Instant.parse("2026-05-01T10:00:00Z");
        HistoryCommand old = HistoryCommand.add("alice", event("old", "2026-05-01T10:00:00.000Z", ""), "test");
        HistoryCommand reset = HistoryCommand.reset("alice", "test");
        HistoryCommand newer = HistoryCommand.add("alice", event("newer", "2026-05-01T10:02:00.000Z", ""), "test");
        history.pipeInput("alice", old, t0);
        history.pipeInput("alice", reset, t0.plusSeconds(60));
        history.pipeInput("alice", newer, t0.plusSeconds(120));
        assertThat(timeline("alice")).extracting(HistoryEvent::id).containsExactly("newer");

        // ops replay re-emits the same records with their original timestamps and a replay header
        replay("alice", old, t0);
        replay("alice", reset, t0.plusSeconds(60));
        replay("alice", newer, t0.plusSeconds(120));

        assertThat(timeline("alice")).extracting(HistoryEvent::id).containsExactly("newer");
    }

    @Test
    void aLiveEventAfterAResetStaysEvenIfItsGatewayClockWasBehind() {
        Instant t0 = Instant.parse("2026-05-01T10:00:00Z");
        history.pipeInput("alice", HistoryCommand.reset("alice", "test"), t0.plusSeconds(5));
        history.pipeInput("alice", HistoryCommand.add("alice", event("after", "2026-05-01T10:00:00.000Z", ""), "test"), t0);

        assertThat(timeline("alice")).extracting(HistoryEvent::id).containsExactly("after");
    }

    @Test
    void pagesWalkBackwardsFromTheNewestWithACursor() {
        for (int i = 0; i < 7; i++) add("alice", event("e" + i, "2026-01-01T10:00:0" + i + ".000Z", ""));
        KeyValueStore<Bytes, byte[]> store = driver.getKeyValueStore(StoreNames.TIMELINE);

        TimelinePage first = TimelineQuery.all("alice", 3).run(store);
        assertThat(ids(first)).containsExactly("e4", "e5", "e6");
        TimelinePage second = new TimelineQuery("alice", 3, Long.MIN_VALUE, Long.MAX_VALUE,
                first.olderCursor(), null, null).run(store);
        assertThat(ids(second)).containsExactly("e1", "e2", "e3");
        TimelinePage third = new TimelineQuery("alice", 3, Long.MIN_VALUE, Long.MAX_VALUE,
                second.olderCursor(), null, null).run(store);
        assertThat(ids(third)).containsExactly("e0");
        assertThat(third.olderCursor()).isNull();
    }

    @Test
    void timeAndSourceFiltersNarrowThePage() {
        add("alice", event("a", "2026-01-01T10:00:00.000Z", ""));
        add("alice", new HistoryEvent("b", "2026-01-01T10:00:01.000Z", "", 1, "digital", "sms", "", ""));
        add("alice", event("c", "2026-01-01T10:00:02.000Z", ""));
        KeyValueStore<Bytes, byte[]> store = driver.getKeyValueStore(StoreNames.TIMELINE);
        long since = java.time.Instant.parse("2026-01-01T10:00:01.000Z").toEpochMilli();

        assertThat(ids(new TimelineQuery("alice", 10, since, Long.MAX_VALUE, null, null, null).run(store)))
                .containsExactly("b", "c");
        assertThat(ids(new TimelineQuery("alice", 10, Long.MIN_VALUE, since, null, null, null).run(store)))
                .containsExactly("a", "b");
        assertThat(ids(new TimelineQuery("alice", 10, Long.MIN_VALUE, Long.MAX_VALUE, null, "sms", null).run(store)))
                .containsExactly("b");
        assertThat(ids(new TimelineQuery("alice", 10, Long.MIN_VALUE, Long.MAX_VALUE, null, null, "voice").run(store)))
                .containsExactly("a", "c");
    }

    @Test
    void changingAPhoneNumberMovesTheAlias() {
        profiles.pipeInput("alice", profile("alice", "+1 555 0100", "Alice@Example.com"));
        assertThat(owner(Aliases.key(Aliases.ANI, "15550100"))).isEqualTo("alice");
        assertThat(owner(Aliases.key(Aliases.EMAIL, "alice@example.com"))).isEqualTo("alice");

        profiles.pipeInput("alice", profile("alice", "15550199", "Alice@Example.com"));

        assertThat(owner(Aliases.key(Aliases.ANI, "+15550100"))).isNull();
        assertThat(owner(Aliases.key(Aliases.ANI, "+1-555-0199"))).isEqualTo("alice");
        assertThat(owner(Aliases.key(Aliases.EMAIL, "ALICE@example.com"))).isEqualTo("alice");
    }

    @Test
    void aClaimedAliasStaysWithItsFirstOwnerUntilReleased() {
        profiles.pipeInput("alice", profile("alice", "15550100", null));
        profiles.pipeInput("mallory", profile("mallory", "15550100", null));
        assertThat(owner("ani:15550100")).isEqualTo("alice");

        profiles.pipeInput("alice", (CustomerProfile) null);
        assertThat(owner("ani:15550100")).isNull();
        profiles.pipeInput("mallory", profile("mallory", "15550100", null));
        assertThat(owner("ani:15550100")).isEqualTo("mallory");
    }

    @Test
    void updatingAProfileRefreshesWhatLookupsReturn() {
        profiles.pipeInput("alice", profile("alice", "15550100", null));
        profiles.pipeInput("alice", new CustomerProfile("alice", "Alice B", "15550100", null, null, "15550100", "sms", null));

        KeyValueStore<String, CustomerProfile> aliases = driver.getKeyValueStore(StoreNames.ALIASES);
        assertThat(aliases.get("ani:15550100").name()).isEqualTo("Alice B");
        assertThat(aliases.get("ani:15550100").preferredChannel()).isEqualTo("sms");
    }

    private void replay(String username, HistoryCommand command, Instant timestamp) {
        history.pipeInput(new TestRecord<>(username, command,
                new RecordHeaders().add(HistoryCommand.REPLAY_SOURCE_TOPIC_HEADER, "history-events".getBytes()), timestamp));
    }

    private void add(String username, HistoryEvent event) {
        history.pipeInput(username, HistoryCommand.add(username, event, "test"));
    }

    private static HistoryEvent event(String id, String timestamp, String parent) {
        return new HistoryEvent(id, timestamp, parent, parent.isEmpty() ? 1 : 2, "voice", "ivr", "note " + id, "");
    }

    private static CustomerProfile profile(String username, String ani, String email) {
        return new CustomerProfile(username, username, ani, email, null, null, null, null);
    }

    private String owner(String alias) {
        KeyValueStore<String, CustomerProfile> aliases = driver.getKeyValueStore(StoreNames.ALIASES);
        CustomerProfile profile = aliases.get(alias);
        return profile == null ? null : profile.username();
    }

    private List<HistoryEvent> timeline(String username) {
        return TimelineQuery.all(username, 1000).run(driver.<Bytes, byte[]>getKeyValueStore(StoreNames.TIMELINE))
                .events().stream().map(bytes -> Json.read(bytes, HistoryEvent.class)).toList();
    }

    private static List<String> ids(TimelinePage page) {
        return page.events().stream().map(bytes -> Json.read(bytes, HistoryEvent.class).id()).toList();
    }
}
