package dev.history.common;

import dev.history.common.http.ApiError;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;

/**
 * The position a write was stored at, handed to the client in the {@value #HEADER} response header so
 * a later read can ask to see that write ("read your writes"). It names, per topic partition, the
 * offset of the last record written: {@code history-events:3:1041,customer-profiles:0:17}. Readable on
 * purpose (an operator can compare it with {@code ops status}); it grants nothing, so it needs no
 * signature: a forged token can at most make its own read wait and answer 503.
 *
 * <p>Parsing takes outside input: bounded length and entry count, strict grammar, 400 on anything else.
 */
public record ConsistencyToken(Map<TopicPartition, Long> offsets) {
    public static final String HEADER = "Consistency-Token";
    /** The query parameter form, for browsers and {@code EventSource}, which cannot set headers. */
    public static final String QUERY_PARAM = "consistency";
    static final int MAX_LENGTH = 4096;
    static final int MAX_ENTRIES = 256;
    private static final Pattern ENTRY = Pattern.compile("([A-Za-z0-9._-]{1,249}):([0-9]{1,9}):([0-9]{1,18})");

    public ConsistencyToken {
        Map<TopicPartition, Long> sorted = new TreeMap<>(ConsistencyToken::compare);
        sorted.putAll(offsets);
        offsets = java.util.Collections.unmodifiableMap(sorted);
    }

    public static ConsistencyToken of(String topic, int partition, long offset) {
        return new ConsistencyToken(Map.of(new TopicPartition(topic, partition), offset));
    }

    public static ConsistencyToken empty() {
        return new ConsistencyToken(Map.of());
    }

    public boolean isEmpty() {
        return offsets.isEmpty();
    }

    /** Both positions: the higher offset per partition (a batch answer covers all its items). */
    public ConsistencyToken merge(ConsistencyToken other) {
        Map<TopicPartition, Long> merged = new TreeMap<>(ConsistencyToken::compare);
        merged.putAll(offsets);
        other.offsets.forEach((tp, offset) -> merged.merge(tp, offset, Math::max));
        return new ConsistencyToken(merged);
    }

    /** Only the entries of {@code topic}. */
    public Map<Integer, Long> forTopic(String topic) {
        Map<Integer, Long> out = new TreeMap<>();
        offsets.forEach((tp, offset) -> {
            if (tp.topic().equals(topic)) out.put(tp.partition(), offset);
        });
        return out;
    }

    /** The header value; {@code ""} when empty. */
    public String encode() {
        StringBuilder out = new StringBuilder();
        offsets.forEach((tp, offset) -> {
            if (!out.isEmpty()) out.append(',');
            out.append(tp.topic()).append(':').append(tp.partition()).append(':').append(offset);
        });
        return out.toString();
    }

    @Override
    public String toString() {
        return encode();
    }

    /**
     * Parses a header or query value; {@code null} or blank gives {@code null} (no token presented).
     *
     * @throws ApiError 400 naming {@code field} when the value is not a token
     */
    public static ConsistencyToken parse(String text, String field) {
        if (text == null || text.isBlank()) return null;
        if (text.length() > MAX_LENGTH) throw ApiError.badField(field, field + " is longer than " + MAX_LENGTH + " characters");
        String[] parts = text.trim().split(",", -1);
        if (parts.length > MAX_ENTRIES) throw ApiError.badField(field, field + " has more than " + MAX_ENTRIES + " entries");
        Map<TopicPartition, Long> offsets = new TreeMap<>(ConsistencyToken::compare);
        for (String part : parts) {
            var m = ENTRY.matcher(part.trim());
            if (!m.matches()) {
                throw ApiError.badField(field, field + " must be topic:partition:offset[,…] as returned by a write");
            }
            offsets.merge(new TopicPartition(m.group(1), Integer.parseInt(m.group(2))), Long.parseLong(m.group(3)), Math::max);
        }
        return new ConsistencyToken(offsets);
    }

    private static int compare(TopicPartition a, TopicPartition b) {
        int byTopic = a.topic().compareTo(b.topic());
        return byTopic != 0 ? byTopic : Integer.compare(a.partition(), b.partition());
    }
}
