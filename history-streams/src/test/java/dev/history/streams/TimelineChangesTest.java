package dev.history.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.HistoryCommand;
import dev.history.common.HistoryEvent;
import dev.history.common.Json;
import dev.history.common.JsonSerde;
import dev.history.common.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.history.query.StoreNames;
import dev.history.query.TimelineChanges;
import dev.history.query.TimelineListener;

/** The live-stream hook of the timeline processor and the by-offset reads a resuming stream makes. */
class TimelineChangesTest {
    private static final Topics TOPICS = new Topics("history-events", "customer-profiles");

    private final List<String> heard = new CopyOnWriteArrayList<>();
    private TopologyTestDriver driver;
    private TestInputTopic<String, HistoryCommand> history;

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "changes-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        TimelineListener listener = new TimelineListener() {
            @Override
            public void added(String username, int partition, long offset, byte[] eventJson) {
                heard.add("added " + username + " @" + offset + " " + new String(eventJson, StandardCharsets.UTF_8));
            }

            @Override
            public void reset(String username, int partition, long offset) {
                heard.add("reset " + username + " @" + offset);
            }
        };
        driver = new TopologyTestDriver(HistoryTopology.build(TOPICS, listener), props);
        history = driver.createInputTopic(TOPICS.historyEvents(), Serdes.String().serializer(),
                JsonSerde.HISTORY_COMMAND.serializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void onlyRealChangesAreHeardWithTheirSourceOffsetAndExactJson() {
        HistoryEvent first = event("e1", "2026-01-01T10:00:00.000Z");
        add("alice", first);
        add("alice", first); // a retry: nothing written, nothing heard
        history.pipeInput("alice", HistoryCommand.reset("alice", "test"));
        add("alice", event("e2", "2026-01-01T09:00:00.000Z"));

        assertThat(heard).containsExactly(
                "added alice @0 " + new String(Json.write(first), StandardCharsets.UTF_8),
                "reset alice @2",
                "added alice @3 " + new String(Json.write(event("e2", "2026-01-01T09:00:00.000Z")), StandardCharsets.UTF_8));
    }

    @Test
    void changesAfterAnOffsetComeInOffsetOrderWithTheLastReset() {
        add("bob", event("b1", "2026-01-01T10:00:00.000Z"));
        history.pipeInput("bob", HistoryCommand.reset("bob", "test"));
        add("bob", event("b2", "2026-01-01T12:00:00.000Z"));
        add("bob", event("b3", "2026-01-01T11:00:00.000Z")); // older timestamp, newer offset
        add("carol", event("c1", "2026-01-01T10:00:00.000Z"));

        KeyValueStore<Bytes, byte[]> ids = driver.getKeyValueStore(StoreNames.TIMELINE_IDS);
        KeyValueStore<Bytes, byte[]> timeline = driver.getKeyValueStore(StoreNames.TIMELINE);
        assertThat(TimelineChanges.resetOffset(ids, "bob")).isEqualTo(1);
        assertThat(TimelineChanges.lastOffset(ids, "bob")).isEqualTo(3);
        assertThat(TimelineChanges.lastOffset(ids, "nobody")).isEqualTo(TimelineChanges.NONE);
        assertThat(TimelineChanges.after(ids, timeline, "bob", 0)).extracting(TimelineChanges.Change::offset)
                .containsExactly(2L, 3L);
        assertThat(TimelineChanges.after(ids, timeline, "bob", 2)).extracting(c -> Json.read(c.eventJson(), HistoryEvent.class).id())
                .containsExactly("b3");
        assertThat(TimelineChanges.after(ids, timeline, "bob", 3)).isEmpty();
    }

    private void add(String username, HistoryEvent event) {
        history.pipeInput(username, HistoryCommand.add(username, event, "test"));
    }

    private static HistoryEvent event(String id, String timestamp) {
        return new HistoryEvent(id, timestamp, "", 1, "voice", "ivr", "note " + id, "");
    }
}
