package dev.history.common.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The fields of one submitted object, whether it came as a JSON object or as a form. Low-code HTTP
 * nodes send numbers as strings and vice versa, so scalars are read as text; objects, arrays and
 * booleans where text is expected are rejected naming the field.
 */
public interface Fields {

    /** The field as text, or null when absent, null or empty. */
    String text(String name);

    static Fields of(JsonNode object) {
        return name -> {
            JsonNode node = object.get(name);
            if (node == null || node.isNull()) return null;
            if (node.isTextual() || node.isNumber()) {
                String value = node.asText();
                return value.isEmpty() ? null : value;
            }
            throw ApiError.badField(name, name + " must be a string, got " + node.getNodeType().name().toLowerCase());
        };
    }

    static Fields of(Map<String, List<String>> form) {
        return name -> {
            List<String> values = form.get(name);
            if (values == null || values.isEmpty() || values.get(0).isEmpty()) return null;
            return values.get(0);
        };
    }
}
