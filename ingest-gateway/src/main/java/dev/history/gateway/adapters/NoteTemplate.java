package dev.history.gateway.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A text with placeholders, e.g. {@code "Order {data.orderId} shipped by {data.carrier.name}"}: {@code {name}}
 * is an attribute of the event ({@link #ATTRIBUTES}), {@code {data.a.b}} a field of its JSON data (array items by
 * index, {@code {data}} the whole data as text). A placeholder without a value renders as nothing.
 */
public final class NoteTemplate {
    public static final Set<String> ATTRIBUTES = Set.of("id", "type", "source", "subject", "time", "identity", "identitytype");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_.\\-]+)}");

    private final String text;

    private NoteTemplate(String text) {
        this.text = text;
    }

    /** @throws IllegalArgumentException naming a placeholder that is neither an attribute nor {@code data…} */
    public static NoteTemplate of(String text) {
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            String name = m.group(1);
            if (!ATTRIBUTES.contains(name) && !name.equals("data") && !name.startsWith("data.")) {
                throw new IllegalArgumentException("unknown placeholder {" + name + "} in '" + text + "'; use "
                        + String.join(", ", ATTRIBUTES.stream().sorted().toList()) + " or data.<field>");
            }
        }
        return new NoteTemplate(text);
    }

    /**
     * @param attributes the event's attributes by name (absent = empty)
     * @param data the event's data as JSON (null when it has none or it is not JSON)
     * @param rawData the event's data as text, for {@code {data}} when it is not JSON
     */
    public String render(Function<String, String> attributes, JsonNode data, String rawData) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value;
            if (name.equals("data")) value = data != null ? (data.isValueNode() ? data.asText() : data.toString()) : rawData;
            else if (name.startsWith("data.")) value = field(data, name.substring(5));
            else value = attributes.apply(name);
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : value));
        }
        m.appendTail(out);
        return out.toString().trim();
    }

    private static String field(JsonNode data, String path) {
        JsonNode node = data;
        for (String part : path.split("\\.")) {
            if (node == null) return null;
            node = node.isArray() && part.chars().allMatch(Character::isDigit) ? node.get(Integer.parseInt(part)) : node.get(part);
        }
        if (node == null || node.isNull() || node.isMissingNode()) return null;
        return node.isValueNode() ? node.asText() : node.toString();
    }

    /** The placeholders this template uses, for docs and tests. */
    List<String> placeholders() {
        List<String> names = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    @Override
    public String toString() {
        return text;
    }
}
