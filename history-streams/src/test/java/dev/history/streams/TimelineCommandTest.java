package dev.history.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.history.common.HistoryCommand;
import dev.history.common.HistoryEvent;
import dev.history.common.Json;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The event's JSON kept as written is byte for byte what parsing and writing it again gives. */
class TimelineCommandTest {

    private static final String[] PIECES = {"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\r", "\b", "\f",
            "\u0001", "\u001f", "\u007f", "é", "漢", "🙂", "enc1.k.x-_", "\"note\":\"enc1.", "\u2028", "<>&'"};

    @Test
    void everyCommandAWriterWritesIsKeptAsWrittenAndEqualsWritingItAgain() {
        Random random = new Random(14);
        for (int n = 0; n < 5_000; n++) {
            HistoryEvent event = new HistoryEvent(text(random), text(random), text(random),
                    random.nextInt(5) == 0 ? (random.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE) : random.nextInt(2001) - 1000,
                    text(random), text(random), text(random), text(random));
            byte[] record = Json.write(HistoryCommand.add(text(random), event, text(random)));

            TimelineCommand kept = TimelineCommand.asWritten(record);
            assertThat(kept).as(new String(record, StandardCharsets.UTF_8)).isNotNull();
            assertThat(kept.eventJson()).isEqualTo(Json.write(event));
            assertThat(kept.type()).isEqualTo("add");
            assertThat(kept.eventId()).isEqualTo(event.id());
            assertThat(kept.eventTimestamp()).isEqualTo(event.timestamp());
        }
    }

    @Test
    void aResetHasNoEvent() {
        TimelineCommand reset = TimelineCommand.asWritten(Json.write(HistoryCommand.reset("ann", "gateway")));
        assertThat(reset).isEqualTo(TimelineCommand.parse(Json.write(HistoryCommand.reset("ann", "gateway"))));
        assertThat(reset.type()).isEqualTo("reset");
        assertThat(reset.eventJson()).isNull();
        assertThat(TimelineCommand.parse(bytes("{\"type\":null,\"event\":null}")).type()).isNull();
    }

    /** Any other form takes the full parse and is stored as Json.write(event) gives it, as before. */
    @Test
    void anyOtherFormIsParsedAndWrittenAgain() {
        String canonical = "{\"id\":\"e1\",\"timestamp\":\"2026-01-02T03:04:05.000Z\",\"parent\":null,\"level\":2,"
                + "\"channel\":\"chat\",\"source\":\"web\",\"note\":\"hi\",\"link\":null}";
        String[] others = {
            canonical.replace(",\"level\"", ", \"level\""),                          // whitespace
            canonical.replace("{\"id\":\"e1\",", "{ \"id\":\"e1\","),
            canonical.replace("\"level\":2", "\"level\":\"2\""),                     // coerced by Jackson
            canonical.replace("\"level\":2", "\"level\":2.0"),
            canonical.replace("\"level\":2", "\"level\":-0"),
            canonical.replace("\"level\":2", "\"level\":null"),
            canonical.replace("\"note\":\"hi\"", "\"note\":\"\\u0065nc1\""),          // an escape Jackson does not write
            canonical.replace("\"note\":\"hi\"", "\"note\":\"a\\/b\""),
            canonical.replace("\"link\":null}", "\"link\":null,\"extra\":1}"),        // a field this version does not know
            canonical.replace("{\"id\":\"e1\",\"timestamp\":\"2026-01-02T03:04:05.000Z\",",
                    "{\"timestamp\":\"2026-01-02T03:04:05.000Z\",\"id\":\"e1\","),   // another order
            canonical.replace(",\"link\":null", ""),                                  // a field missing
            canonical.replace("\"channel\":\"chat\"", "\"channel\":7"),
        };
        for (String event : others) {
            byte[] record = bytes("{\"type\":\"add\",\"username\":\"ann\",\"event\":" + event + ",\"origin\":\"x\"}");
            assertThat(TimelineCommand.asWritten(record)).as(event).isNull();
            HistoryCommand full = Json.read(record, HistoryCommand.class);
            TimelineCommand parsed = TimelineCommand.parse(record);
            assertThat(parsed.eventJson()).as(event).isEqualTo(Json.write(full.event()));
            assertThat(parsed.eventId()).isEqualTo(full.event().id());
        }
        byte[] written = bytes("{\"type\":\"add\",\"event\":" + canonical + "}");
        assertThat(TimelineCommand.asWritten(written).eventJson()).isEqualTo(bytes(canonical));
        byte[] spaced = bytes("{ \"origin\" : \"x\", \"unknown\" : [1, {\"a\": 2}], \"event\" : " + canonical + " , \"type\" : \"add\" }");
        assertThat(TimelineCommand.asWritten(spaced).eventJson()).as("only the event must be compact").isEqualTo(bytes(canonical));
    }

    @Test
    void whatIsNotACommandFailsAsTheFullParseDoes() {
        for (String bad : new String[] {"not json", "[1,2]", "{\"type\":\"add\",\"event\":[]}", "{\"type\":{}}",
                "{\"type\":\"add\",\"event\":{\"id\":\"e1\"", "{\"username\":{\"a\":1}}"}) {
            assertThatThrownBy(() -> TimelineCommand.parse(bytes(bad))).as(bad).isInstanceOf(UncheckedIOException.class);
            assertThatThrownBy(() -> Json.read(bytes(bad), HistoryCommand.class)).isInstanceOf(UncheckedIOException.class);
        }
    }

    @Test
    void compactMeansNoWhitespaceOutsideStringsAndOnlyJacksonsEscapes() {
        assertThat(compact("{\"a\":\"x y\\n\\\"\\u001F\"}")).isTrue();
        assertThat(compact("{\"a\": 1}")).isFalse();
        assertThat(compact("{\"a\":\"\\u0020\"}")).isFalse();
        assertThat(compact("{\"a\":\"\\/\"}")).isFalse();
        assertThat(compact("{\"a\":\"\\uD83D\\uDE42\"}")).isTrue();
        assertThat(compact("{\"a\":\"\\u00e9\"}")).isFalse();
    }

    private static String text(Random random) {
        if (random.nextInt(6) == 0) return null;
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(6); i > 0; i--) s.append(PIECES[random.nextInt(PIECES.length)]);
        return s.toString();
    }

    private static boolean compact(String json) {
        byte[] b = bytes(json);
        return TimelineCommand.compact(b, 0, b.length);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
