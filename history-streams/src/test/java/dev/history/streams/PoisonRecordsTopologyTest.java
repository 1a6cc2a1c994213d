package dev.history.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.HistoryCommand;
import dev.history.common.HistoryEvent;
import dev.history.common.Json;
import dev.history.common.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import dev.history.query.StoreNames;
import dev.history.query.TimelineQuery;

/** Processor-level poison handling: bad records go to the dead-letter topic with their origin, good ones apply. */
class PoisonRecordsTopologyTest {
    private static final Topics TOPICS = new Topics("history-events", "customer-profiles");

    @Test
    void badHistoryAndProfileRecordsAreDeadLetteredAndTheGoodOnesApplied() {
        AtomicLong counter = new AtomicLong();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "poison-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, PoisonRecordHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, PoisonRecordHandler.class);
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "dlq");
        props.put(PoisonRecordHandler.COUNTER_CONFIG, counter);
        try (TopologyTestDriver driver = new TopologyTestDriver(HistoryTopology.build(TOPICS), props)) {
            TestInputTopic<byte[], byte[]> history = driver.createInputTopic(TOPICS.historyEvents(),
                    new ByteArraySerializer(), new ByteArraySerializer());
            TestInputTopic<byte[], byte[]> profiles = driver.createInputTopic(TOPICS.customerProfiles(),
                    new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic("dlq", new ByteArrayDeserializer(), new ByteArrayDeserializer());

            history.pipeInput(bytes("alice"), good("e1"));
            history.pipeInput(bytes("alice"), bytes("not json"));
            history.pipeInput(bytes("alice"), bytes("{\"username\":\"alice\",\"source\":\"ivr\",\"id\":\"raw\"}"));
            history.pipeInput(bytes("alice"), (byte[]) null);
            history.pipeInput((byte[]) null, good("e-nokey"));
            history.pipeInput(bytes("alice"), bytes("{\"type\":\"rename\",\"username\":\"alice\"}"));
            history.pipeInput(bytes("alice"), bytes("[1,2]"));
            history.pipeInput(bytes("alice"), good("e2"));
            profiles.pipeInput((byte[]) null, bytes("{\"username\":\"bob\",\"ani\":\"1555\"}"));
            profiles.pipeInput(bytes("bob"), bytes("{nope"));
            profiles.pipeInput(bytes("bob"), bytes("{\"username\":\"bob\",\"ani\":\"15550199\"}"));

            KeyValueStore<Bytes, byte[]> timeline = driver.getKeyValueStore(StoreNames.TIMELINE);
            List<String> ids = TimelineQuery.all("alice", 10).run(timeline).events().stream()
                    .map(e -> Json.read(e, HistoryEvent.class).id()).toList();
            assertThat(ids).containsExactly("e1", "e2");
            assertThat(driver.<String, Object>getKeyValueStore(StoreNames.ALIASES).get("ani:15550199")).isNotNull();

            List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
            assertThat(dead).hasSize(8);
            assertThat(counter.get()).isEqualTo(8);
            assertThat(dead).extracting(r -> header(r, PoisonRecordHandler.HEADER_TOPIC)).containsExactly(
                    "history-events", "history-events", "history-events", "history-events", "history-events",
                    "history-events", "customer-profiles", "customer-profiles");
            assertThat(dead).extracting(r -> header(r, PoisonRecordHandler.HEADER_OFFSET))
                    .containsExactly("1", "2", "3", "4", "5", "6", "0", "1");
            assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("not json");
            assertThat(header(dead.get(4), PoisonRecordHandler.HEADER_MESSAGE)).contains("rename");
            assertThat(dead).allSatisfy(r -> assertThat(header(r, PoisonRecordHandler.HEADER_PARTITION)).isEqualTo("0"));
        }
    }

    private static byte[] good(String id) {
        return Json.write(HistoryCommand.add("alice",
                new HistoryEvent(id, "2026-01-01T00:00:00.000Z", "", 1, "voice", "ivr", "n", ""), "test"));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
