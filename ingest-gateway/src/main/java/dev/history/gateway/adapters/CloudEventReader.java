package dev.history.gateway.adapters;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Json;
import dev.history.common.http.ApiError;
import dev.history.common.http.RequestBodies;
import io.cloudevents.CloudEvent;
import io.cloudevents.http.HttpMessageFactory;
import io.cloudevents.jackson.JsonFormat;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads CloudEvents 1.0 from an HTTP request with the CloudEvents SDK, in the three modes of the HTTP
 * protocol binding: structured ({@code application/cloudevents+json}), batched
 * ({@code application/cloudevents-batch+json}: a JSON array, each element read by the SDK's JSON format) and
 * binary ({@code ce-*} headers, the body is the data). Any other request is a 415; an invalid event a 400
 * naming the attribute at fault.
 */
final class CloudEventReader {
    static final String STRUCTURED = "application/cloudevents+json";
    static final String BATCH = "application/cloudevents-batch+json";
    private static final Pattern MISSING = Pattern.compile("[Mm]issing mandatory (\\w+) attribute");
    private static final Pattern NAMED = Pattern.compile("[Aa]ttribute(?:/extension value for)? ['\"](\\w+)['\"]");
    private static final Pattern VALUE_FOR = Pattern.compile("value for ['\"](\\w+)['\"]");

    enum Mode { STRUCTURED, BATCH, BINARY }

    /** One element of a request: an event, or why it is not one. */
    record Item(CloudEvent event, ApiError error) {}

    private final JsonFormat format = new JsonFormat();

    /** The request's mode, or a 415 naming {@code Content-Type}. */
    Mode mode(Context ctx) {
        String type = ctx.contentType();
        String mime = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (mime.equals(BATCH)) return Mode.BATCH;
        if (mime.equals(STRUCTURED)) return Mode.STRUCTURED;
        if (mime.startsWith("application/cloudevents")) {
            throw new ApiError(415, "unsupported CloudEvents format '" + type + "'; send " + STRUCTURED + " or " + BATCH,
                    Map.of("field", "Content-Type"));
        }
        if (ctx.header("ce-specversion") != null) return Mode.BINARY;
        throw new ApiError(415, "not a CloudEvent: send " + STRUCTURED + ", " + BATCH
                + ", or the binary mode (ce-specversion, ce-id, ce-source, ce-type headers)", Map.of("field", "Content-Type"));
    }

    /** The event of a structured or binary request. */
    CloudEvent single(Context ctx, byte[] body, Mode mode) {
        Map<String, String> headers = new HashMap<>();
        ctx.headerMap().forEach((name, value) -> headers.put(name.toLowerCase(Locale.ROOT), value));
        try {
            return HttpMessageFactory.createReader(headers, body).toEvent();
        } catch (RuntimeException e) {
            throw invalid(e, mode == Mode.BINARY);
        }
    }

    /** The events of a batch, each on its own: one invalid element does not stop the others. */
    List<Item> batch(byte[] body, int maxItems) {
        JsonNode array = RequestBodies.json(body);
        if (!array.isArray()) throw new ApiError(400, "a CloudEvents batch is a JSON array of events", Map.of("field", "body"));
        if (array.isEmpty()) throw new ApiError(400, "batch is empty", Map.of("field", "body"));
        if (array.size() > maxItems) {
            throw new ApiError(413, "batch has " + array.size() + " events; the limit is " + maxItems, Map.of("limit", maxItems));
        }
        List<Item> items = new ArrayList<>(array.size());
        for (JsonNode element : array) {
            try {
                if (!element.isObject()) throw new ApiError(400, "each batch element must be a JSON object", Map.of("field", "body"));
                items.add(new Item(format.deserialize(Json.MAPPER.writeValueAsBytes(element)), null));
            } catch (ApiError e) {
                items.add(new Item(null, e));
            } catch (JsonProcessingException | RuntimeException e) {
                items.add(new Item(null, invalid(e, false)));
            }
        }
        return items;
    }

    /** A 400 naming the attribute the SDK refused (the {@code ce-} header in binary mode), else the body. */
    static ApiError invalid(Throwable error, boolean binary) {
        String message = message(error);
        String attribute = attribute(message);
        String field = attribute == null ? "body" : (binary ? "ce-" + attribute : attribute);
        return new ApiError(400, "invalid CloudEvent: " + message, Map.of("field", field));
    }

    private static String message(Throwable error) {
        String message = null;
        for (Throwable t = error; t != null; t = t.getCause()) {
            String m = t instanceof JsonProcessingException json ? json.getOriginalMessage() : t.getMessage();
            if (m != null && !m.isBlank()) message = m;
        }
        if (message == null) return "unreadable event";
        // a nested exception's class name may lead the message; keep the sentence
        int colon = message.lastIndexOf("Exception: ");
        return colon >= 0 ? message.substring(colon + "Exception: ".length()) : message;
    }

    static String attribute(String message) {
        if (message.toLowerCase(Locale.ROOT).contains("specversion") || message.toLowerCase(Locale.ROOT).contains("spec version")) {
            return "specversion";
        }
        for (Pattern p : List.of(MISSING, NAMED, VALUE_FOR)) {
            Matcher m = p.matcher(message);
            if (m.find()) return m.group(1);
        }
        return null;
    }
}
