package dev.history.streams;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.history.common.HistoryCommand;
import dev.history.common.HistoryEvent;
import dev.history.common.Json;
import java.io.IOException;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A {@code history-events} record as the timeline applies it: the command's type, the event's id and
 * timestamp, and the event's JSON as it will be stored and served.
 *
 * <p>Every writer of the topic writes {@code Json.write(HistoryCommand)}, so the event's JSON inside the
 * record is already exactly what {@code Json.write(event)} would produce: it is kept as bytes, not parsed into
 * a {@link HistoryEvent} and written again (issue 14). That shortcut is taken only for an event in that
 * exact form (the eight fields in declaration order, strings or null, {@code level} a plain int, no
 * whitespace and no escape Jackson would not write); anything else goes through the full parse and
 * re-serialisation, as before, so it is stored in the same form and a record that is not a command fails
 * the same way (dead-lettered).
 */
record TimelineCommand(String type, String eventId, String eventTimestamp, byte[] eventJson) {

    private static final JsonFactory FACTORY = Json.MAPPER.getFactory();
    /** {@link HistoryEvent}'s components in declaration order (the order Jackson writes them in). */
    private static final String[] EVENT_FIELDS = Arrays.stream(HistoryEvent.class.getRecordComponents())
            .map(c -> c.getName()).toArray(String[]::new);
    private static final int LEVEL = Arrays.asList(EVENT_FIELDS).indexOf("level");

    /** Reads only: the topology never writes this type. */
    static final Serde<TimelineCommand> SERDE = Serdes.serdeFrom(
            (Serializer<TimelineCommand>) (topic, value) -> {
                throw new UnsupportedOperationException("TimelineCommand is only read from history-events");
            },
            (Deserializer<TimelineCommand>) (topic, bytes) -> bytes == null ? null : parse(bytes));

    /** @throws java.io.UncheckedIOException when the bytes are not a history command (as {@link Json#read}) */
    static TimelineCommand parse(byte[] bytes) {
        TimelineCommand kept = asWritten(bytes);
        return kept != null ? kept : of(Json.read(bytes, HistoryCommand.class));
    }

    static TimelineCommand of(HistoryCommand command) {
        HistoryEvent event = command.event();
        return event == null ? new TimelineCommand(command.type(), null, null, null)
                : new TimelineCommand(command.type(), event.id(), event.timestamp(), Json.write(event));
    }

    /** The command with its event's bytes as written; null when the record is in any other form. */
    static TimelineCommand asWritten(byte[] bytes) {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            String type = null;
            String[] idAndTimestamp = null;
            byte[] event = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "event" -> {
                        idAndTimestamp = null;
                        event = null;
                        if (value == JsonToken.VALUE_NULL) continue;
                        if (value != JsonToken.START_OBJECT) return null;
                        int start = (int) p.currentTokenLocation().getByteOffset();
                        idAndTimestamp = event(p);
                        if (idAndTimestamp == null) return null;
                        int end = (int) p.currentTokenLocation().getByteOffset() + 1;
                        if (!compact(bytes, start, end)) return null;
                        event = Arrays.copyOfRange(bytes, start, end);
                    }
                    case "type", "username", "origin" -> {
                        if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NULL) return null;
                        if (name.equals("type")) type = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    }
                    default -> p.skipChildren(); // an unknown field: ignored, as Json.MAPPER does
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) return null;
            return event == null ? new TimelineCommand(type, null, null, null)
                    : new TimelineCommand(type, idAndTimestamp[0], idAndTimestamp[1], event);
        } catch (IOException e) {
            return null; // the full parse reports it
        }
    }

    /** Reads an event's fields up to its closing brace: {id, timestamp}, or null when not in the written form. */
    private static String[] event(JsonParser p) throws IOException {
        String[] idAndTimestamp = new String[2];
        for (int i = 0; i < EVENT_FIELDS.length; i++) {
            if (p.nextToken() != JsonToken.FIELD_NAME || !EVENT_FIELDS[i].equals(p.currentName())) return null;
            JsonToken value = p.nextToken();
            if (i == LEVEL) {
                if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT
                        || !p.getText().equals(Integer.toString(p.getIntValue()))) return null;
            } else if (value == JsonToken.VALUE_STRING) {
                if (i < 2) idAndTimestamp[i] = p.getText();
            } else if (value != JsonToken.VALUE_NULL) {
                return null;
            }
        }
        return p.nextToken() == JsonToken.END_OBJECT ? idAndTimestamp : null;
    }

    /**
     * Whether {@code json[from, to)} has no whitespace between tokens and only the escapes Jackson writes
     * ({@code \" \\ \b \f \n \r \t}, {@code \}{@code u00XX} for other control characters and a pair of
     * {@code \}{@code uDXXX} for a character outside the BMP): what reads rely on
     * when they find a sealed field by its bytes ({@code TimelineOpener}).
     */
    static boolean compact(byte[] json, int from, int to) {
        boolean inString = false;
        for (int i = from; i < to; i++) {
            byte b = json[i];
            if (!inString) {
                if (b == '"') inString = true;
                else if (b == ' ' || b == '\n' || b == '\r' || b == '\t') return false;
            } else if (b == '"') {
                inString = false;
            } else if (b == '\\') {
                if (i + 1 >= to) return false;
                byte e = json[++i];
                if (e == 'u') {
                    if (i + 4 >= to || !(control(json, i + 1) || surrogate(json, i + 1))) return false;
                    i += 4;
                } else if ("\"\\bfnrt".indexOf(e) < 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** {@code 00[01]X}: a control character. */
    private static boolean control(byte[] hex, int at) {
        return hex[at] == '0' && hex[at + 1] == '0' && (hex[at + 2] == '0' || hex[at + 2] == '1');
    }

    /** {@code D[8-F]XX}: half of a character outside the BMP, which Jackson writes as two escapes. */
    private static boolean surrogate(byte[] hex, int at) {
        return hex[at] == 'D' && "89ABCDEF".indexOf(hex[at + 1]) >= 0;
    }
}
