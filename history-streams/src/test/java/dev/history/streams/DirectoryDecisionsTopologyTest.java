package dev.history.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.CustomerProfile;
import dev.history.common.JsonSerde;
import dev.history.common.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.history.query.StoreNames;
import dev.history.common.AliasChange;
import dev.history.common.DirectoryDecision;

/** The directory decision flow: claim → decision → strip refused aliases → refresh → settled. */
class DirectoryDecisionsTopologyTest {
    private static final Topics TOPICS = new Topics("history-events", "customer-profiles");
    private static final String DECISIONS = DirectoryDecision.topic("history-streams");

    private TopologyTestDriver driver;
    private TestInputTopic<String, CustomerProfile> profiles;
    private TestInputTopic<String, DirectoryDecision> decisionsIn;
    private TestOutputTopic<String, DirectoryDecision> decisions;
    private KeyValueStore<String, CustomerProfile> aliases;
    private KeyValueStore<String, CustomerProfile> stored;

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "history-streams");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(HistoryTopology.build(TOPICS), props);
        profiles = driver.createInputTopic(TOPICS.customerProfiles(), Serdes.String().serializer(), JsonSerde.CUSTOMER_PROFILE.serializer());
        decisionsIn = driver.createInputTopic(DECISIONS, Serdes.String().serializer(), DirectoryDecision.SERDE.serializer());
        decisions = driver.createOutputTopic(DECISIONS, Serdes.String().deserializer(), DirectoryDecision.SERDE.deserializer());
        aliases = driver.getKeyValueStore(StoreNames.ALIASES);
        stored = driver.getKeyValueStore(StoreNames.PROFILES);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void firstClaimWinsTheLoserIsStrippedAndBothWritersLearnTheirDecision() {
        write("r1", profile("alice", "+1 555 0100", "alice@example.com"));
        List<DirectoryDecision> first = mine("r1");
        assertThat(first).filteredOn(d -> d.type().equals(DirectoryDecision.ALIAS)).hasSize(2)
                .allSatisfy(d -> {
                    assertThat(d.accepted()).isTrue();
                    assertThat(d.topic()).isEqualTo(AliasChange.topic("history-streams"));
                    assertThat(d.offset()).isNotNull();
                    assertThat(d.expected()).isEqualTo(2);
                });
        assertThat(settled(first)).satisfies(s -> {
            assertThat(s.refused()).isEmpty();
            assertThat(s.refreshes()).isZero();
            assertThat(s.expected()).isEqualTo(2);
        });

        // bob claims the same number (passed the API's pre-check at the same moment): refused, stripped.
        write("r2", profile("bob", "15550100", "bob@example.com"));
        List<DirectoryDecision> second = mine("r2");
        assertThat(second).filteredOn(d -> "ani:15550100".equals(d.alias()) && d.op().equals(AliasChange.CLAIM))
                .singleElement().satisfies(d -> {
                    assertThat(d.accepted()).isFalse();
                    assertThat(d.owner()).isEqualTo("alice");
                });
        assertThat(settled(second)).satisfies(s -> {
            assertThat(s.refused()).containsExactly("ani:15550100");
            assertThat(s.refreshes()).isEqualTo(1);
        });
        assertThat(second).filteredOn(DirectoryDecision::isRefresh).singleElement()
                .satisfies(d -> assertThat(d.accepted()).isTrue());
        assertThat(aliases.get("ani:15550100").username()).isEqualTo("alice");
        assertThat(stored.get("bob").ani()).isNull();
        assertThat(aliases.get("email:bob@example.com").ani()).as("directory copy of bob lists the number").isNull();

        // alice releases it: free (nobody else lists it), and bob's next claim gets it.
        write("r3", profile("alice", null, "alice@example.com"));
        assertThat(settled(mine("r3")).refused()).isEmpty();
        assertThat(aliases.get("ani:15550100")).isNull();
        write("r4", profile("bob", "15550100", "bob@example.com"));
        assertThat(settled(mine("r4")).refused()).isEmpty();
        assertThat(aliases.get("ani:15550100").username()).isEqualTo("bob");
        assertThat(stored.get("bob").ani()).isEqualTo("15550100");
    }

    @Test
    void deletionsAndAliaslessWritesSettleAndStaleDecisionsChangeNothing() {
        write("r1", profile("carol", null, null));
        assertThat(settled(mine("r1")).expected()).isZero();
        write("r2", profile("carol", "15550200", null));
        decisions.readRecordsToList();
        TestRecord<String, CustomerProfile> tombstone = new TestRecord<>("carol", null, headers("r3"));
        profiles.pipeInput(tombstone);
        List<DirectoryDecision> deleted = mine("r3");
        assertThat(deleted).filteredOn(d -> d.type().equals(DirectoryDecision.ALIAS)).singleElement()
                .satisfies(d -> assertThat(d.op()).isEqualTo(AliasChange.RELEASE));
        assertThat(settled(deleted).expected()).isEqualTo(1);
        assertThat(aliases.get("ani:15550200")).isNull();
        assertThat(stored.get("carol")).isNull();

        // A decision about a write that is no longer pending (superseded): answered settled, nothing stripped.
        write("r4", profile("carol", "15550201", null));
        decisions.readRecordsToList();
        decisionsIn.pipeInput("carol", new DirectoryDecision(DirectoryDecision.ALIAS, "carol", "old", 0L, 1,
                "ani:15550201", AliasChange.CLAIM, false, "someone", "x", 0, 0L, null, null));
        assertThat(settled(mine("old")).refreshes()).isZero();
        assertThat(stored.get("carol").ani()).isEqualTo("15550201");
    }

    private void write(String requestId, CustomerProfile profile) {
        profiles.pipeInput(new TestRecord<>(profile.username(), profile, headers(requestId)));
    }

    private static RecordHeaders headers(String requestId) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DirectoryDecision.REQUEST_ID_HEADER, requestId.getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    private List<DirectoryDecision> mine(String requestId) {
        return decisions.readValuesToList().stream().filter(d -> requestId.equals(d.requestId())).toList();
    }

    private static DirectoryDecision settled(List<DirectoryDecision> decisions) {
        return decisions.stream().filter(d -> d.type().equals(DirectoryDecision.SETTLED)).reduce((a, b) -> b).orElseThrow();
    }

    private static CustomerProfile profile(String username, String ani, String email) {
        return new CustomerProfile(username, null, ani, email, null, null, null, "2026-01-01T00:00:00Z");
    }
}
