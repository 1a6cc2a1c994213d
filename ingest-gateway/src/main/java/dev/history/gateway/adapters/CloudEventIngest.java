package dev.history.gateway.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.ConsistencyToken;
import dev.history.common.Ids;
import dev.history.common.Json;
import dev.history.common.http.ApiError;
import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.jackson.JsonCloudEventData;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One CloudEvent → one history event, by the {@link CloudEventMapping}: {@code identity} + {@code identitytype}
 * (+ {@code previousidentity}) name the customer ({@link CustomerResolver}), {@code type} picks the rule
 * (source, channel, note and link templates), {@code time} is the timestamp (else the server's time), and the
 * event id is derived from {@code source} + {@code id}: a resent CloudEvent is the same history event, which the
 * timeline keeps once.
 */
final class CloudEventIngest {
    static final String ORIGIN = "cloudevents";

    /** A stored event: its history id and where it was written. */
    record Stored(String id, ConsistencyToken token) {}

    private final CloudEventMapping mapping;
    private final CustomerResolver customers;
    private final TimelineWriter timeline;

    CloudEventIngest(CloudEventMapping mapping, CustomerResolver customers, TimelineWriter timeline) {
        this.mapping = mapping;
        this.customers = customers;
        this.timeline = timeline;
    }

    /** The history id of a CloudEvent: the same {@code source} + {@code id} always give the same one. */
    static String historyId(CloudEvent event) {
        return Ids.stable(ORIGIN, event.getSource().toString(), event.getId());
    }

    /** Maps and writes one event; a 400 (thrown at once) or a failed future carries the {@link ApiError} to answer. */
    CompletableFuture<Stored> ingest(CloudEvent event) {
        CloudEventMapping.Rule rule = mapping.rule(event.getType()).orElseThrow(() -> ApiError.badField("type",
                "no mapping for CloudEvent type '" + event.getType() + "' (CLOUDEVENTS_MAPPING_FILE)"));
        String identity = extension(event, "identity");
        if (identity == null || identity.isBlank()) throw ApiError.badField("identity", "identity is required (the customer's e-mail, phone or id)");
        String identityType = extension(event, "identitytype");
        if (identityType == null) throw ApiError.badField("identitytype", "identitytype is required (" + IdentityKind.accepted() + ")");
        IdentityKind kind = IdentityKind.named(identityType).orElseThrow(() -> ApiError.badField("identitytype",
                "unknown identitytype '" + identityType + "'; known: " + IdentityKind.accepted()));

        Map<String, String> fields = fields(event, rule, identity, identityType);
        timeline.precheck(fields);
        return customers.username(kind, identity, extension(event, "previousidentity"), "identity")
                .thenCompose(username -> {
                    var command = timeline.command(username, fields, ORIGIN);
                    return timeline.write(List.of(command)).thenApply(token -> new Stored(command.event().id(), token));
                });
    }

    private static Map<String, String> fields(CloudEvent event, CloudEventMapping.Rule rule, String identity, String identityType) {
        JsonNode data = json(event);
        String raw = event.getData() == null ? null : new String(event.getData().toBytes(), StandardCharsets.UTF_8);
        Map<String, String> attributes = new HashMap<>();
        attributes.put("id", event.getId());
        attributes.put("type", event.getType());
        attributes.put("source", event.getSource().toString());
        attributes.put("subject", event.getSubject());
        attributes.put("time", event.getTime() == null ? null : event.getTime().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        attributes.put("identity", identity);
        attributes.put("identitytype", identityType);
        Map<String, String> fields = new HashMap<>();
        fields.put("id", historyId(event));
        fields.put("source", rule.source());
        if (rule.channel() != null) fields.put("channel", rule.channel());
        fields.put("note", rule.note().render(attributes::get, data, raw));
        if (rule.link() != null) fields.put("link", rule.link().render(attributes::get, data, raw));
        if (event.getTime() != null) fields.put("timestamp", attributes.get("time"));
        return fields;
    }

    private static String extension(CloudEvent event, String name) {
        Object value = event.getExtension(name);
        return value == null ? null : value.toString();
    }

    /** The event's data as JSON: structured JSON data as the SDK read it, else bytes of a JSON (or untyped) content type. */
    private static JsonNode json(CloudEvent event) {
        CloudEventData data = event.getData();
        if (data == null) return null;
        if (data instanceof JsonCloudEventData json) return json.getNode();
        String type = event.getDataContentType();
        if (type != null && !type.toLowerCase().contains("json")) return null;
        try {
            return Json.MAPPER.readTree(data.toBytes());
        } catch (java.io.IOException | RuntimeException notJson) {
            return null;
        }
    }
}
