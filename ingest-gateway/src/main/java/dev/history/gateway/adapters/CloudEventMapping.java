package dev.history.gateway.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Json;
import dev.history.common.SourceRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How a CloudEvent becomes a history event, per CloudEvent {@code type}: the history {@code source} code, an
 * optional {@code channel}, and templates for {@code note} and {@code link} ({@link NoteTemplate}). A type
 * without a rule takes the {@code default} rule; without one, it is refused (400 naming {@code type}).
 *
 * <pre>{"types": {"com.example.order.shipped": {"source": "web", "note": "Order {data.orderId} shipped",
 *                                              "link": "https://shop.example/orders/{data.orderId}"}},
 *   "default": {"source": "web", "note": "{type}"}}</pre>
 */
public final class CloudEventMapping {
    /** One type's rule. */
    public record Rule(String source, String channel, NoteTemplate note, NoteTemplate link) {}

    private final Map<String, Rule> types;
    private final Rule fallback;

    CloudEventMapping(Map<String, Rule> types, Rule fallback) {
        this.types = Map.copyOf(types);
        this.fallback = fallback;
    }

    /** Without configuration: every type is a {@code web} event whose note is its type. */
    public static CloudEventMapping defaults() {
        return new CloudEventMapping(Map.of(), new Rule("web", null, NoteTemplate.of("{type}"), null));
    }

    /** @throws IllegalArgumentException (at start) for a file that is not a valid mapping, naming what is wrong */
    public static CloudEventMapping load(Path file) {
        try {
            return parse(Json.MAPPER.readTree(Files.readAllBytes(file)), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("CLOUDEVENTS_MAPPING_FILE " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    static CloudEventMapping parse(JsonNode root, String where) {
        if (root == null || !root.isObject()) throw new IllegalArgumentException(where + ": a mapping is a JSON object");
        Map<String, Rule> types = new LinkedHashMap<>();
        JsonNode declared = root.path("types");
        if (!declared.isMissingNode() && !declared.isObject()) throw new IllegalArgumentException(where + ": types must be an object");
        declared.fields().forEachRemaining(e -> types.put(e.getKey(), rule(e.getValue(), where + " types." + e.getKey())));
        JsonNode fallback = root.get("default");
        return new CloudEventMapping(types, fallback == null || fallback.isNull() ? null : rule(fallback, where + " default"));
    }

    private static Rule rule(JsonNode node, String where) {
        if (!node.isObject()) throw new IllegalArgumentException(where + " must be an object");
        String source = node.path("source").asText("");
        if (source.isBlank()) throw new IllegalArgumentException(where + ".source is required");
        try {
            return new Rule(source.toLowerCase(Locale.ROOT), text(node, "channel"),
                    NoteTemplate.of(node.path("note").asText("{type}")),
                    node.hasNonNull("link") ? NoteTemplate.of(node.get("link").asText()) : null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }

    /** The rule for {@code type}: its own, else the default one; empty when neither exists. */
    public Optional<Rule> rule(String type) {
        return Optional.ofNullable(types.getOrDefault(type, fallback));
    }

    /** @throws IllegalArgumentException (at start) naming a rule whose source is not a registered code */
    public CloudEventMapping checkedAgainst(SourceRegistry sources) {
        types.forEach((type, rule) -> check(sources, rule, "types." + type));
        if (fallback != null) check(sources, fallback, "default");
        return this;
    }

    private static void check(SourceRegistry sources, Rule rule, String where) {
        if (!sources.contains(rule.source())) {
            throw new IllegalArgumentException("CloudEvents mapping " + where + ": source '" + rule.source()
                    + "' is not a registered code (" + String.join(", ", sources.codes()) + ")");
        }
    }
}
