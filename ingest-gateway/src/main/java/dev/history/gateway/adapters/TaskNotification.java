package dev.history.gateway.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.http.ApiError;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One Webex Contact Center task notification, reduced to what a timeline needs. Two documented shapes are read:
 * <ul>
 * <li>subscription webhooks (CloudEvents-style envelope: {@code id}, {@code type} such as {@code task:new},
 *     {@code task:connected}, {@code task:on-hold}, {@code task:hold-done}, {@code task:conference-transferred},
 *     {@code task:ended}, {@code comciscotimestamp}, and {@code data} with {@code taskId}, {@code channelType},
 *     {@code channel}, {@code origin}, {@code createdTime}, {@code agentId} …);</li>
 * <li>Desktop SDK agent-contact events relayed in the same envelope ({@code type} = the SDK event name such as
 *     {@code eAgentOfferContact}, {@code eAgentContactAssigned}, {@code eAgentContactHeld},
 *     {@code eAgentContactUnHeld}, {@code eAgentBlindTransferred}, {@code eAgentContactEnded},
 *     {@code eAgentWrapup}; {@code data} = the SDK's message data with {@code interactionId} and
 *     {@code interaction} {@code {mediaType, mediaChannel, callAssociatedDetails, participants}}).</li>
 * </ul>
 * Types that say nothing about a task's timeline are {@link Step#IGNORED} (answered 200, nothing written).
 */
record TaskNotification(String id, String type, Step step, String taskId, String channelType, String channel,
        String origin, String agent, String detail, Instant time) {

    /** What happened to the task. */
    enum Step { STARTED, ASSIGNED, HELD, RESUMED, TRANSFERRED, ENDED, WRAPPED_UP, IGNORED }

    private static final Map<String, Step> STEPS = Map.ofEntries(
            Map.entry("task:new", Step.STARTED), Map.entry("eAgentOfferContact", Step.STARTED),
            Map.entry("task:connected", Step.ASSIGNED), Map.entry("eAgentContactAssigned", Step.ASSIGNED),
            Map.entry("task:on-hold", Step.HELD), Map.entry("eAgentContactHeld", Step.HELD),
            Map.entry("task:hold-done", Step.RESUMED), Map.entry("eAgentContactUnHeld", Step.RESUMED),
            Map.entry("task:conference-transferred", Step.TRANSFERRED), Map.entry("eAgentBlindTransferred", Step.TRANSFERRED),
            Map.entry("eAgentConsultTransferred", Step.TRANSFERRED),
            Map.entry("task:ended", Step.ENDED), Map.entry("eAgentContactEnded", Step.ENDED),
            Map.entry("eAgentWrapup", Step.WRAPPED_UP));

    /** @throws ApiError 400 naming the field a task notification lacks */
    static TaskNotification parse(JsonNode body) {
        if (!body.isObject()) throw ApiError.badField("body", "a notification is a JSON object");
        String id = text(body, "id").orElseThrow(() -> ApiError.badField("id", "id is required (the notification id)"));
        String type = text(body, "type").orElseThrow(() -> ApiError.badField("type", "type is required"));
        JsonNode data = body.path("data");
        Step step = STEPS.getOrDefault(type, Step.IGNORED);
        // a V2 agent notification: the agent's channel entered wrap-up for this task
        if (type.equals("agent:channel_state_change") && "wrapup".equalsIgnoreCase(data.path("currentState").asText())) {
            step = Step.WRAPPED_UP;
        }
        if (step == Step.IGNORED) return new TaskNotification(id, type, step, null, null, null, null, null, null, null);
        JsonNode interaction = data.path("interaction");
        String taskId = first(data, "taskId", "interactionId").or(() -> text(interaction, "interactionId"))
                .orElseThrow(() -> ApiError.badField("data.taskId", "data.taskId (or the desktop's interactionId) is required"));
        String channelType = first(data, "channelType", "mediaType").or(() -> text(interaction, "mediaType")).orElse("telephony");
        String channel = text(data, "channel").or(() -> text(interaction, "mediaChannel")).orElse(null);
        String origin = first(data, "origin", "ani").or(() -> text(interaction.path("callAssociatedDetails"), "ani"))
                .or(() -> text(interaction.path("callAssociatedDetails"), "customerEmail")).orElse(null);
        String agentId = first(data, "agentId", "destAgentId").orElse(null);
        String agent = first(data, "agentName").or(() -> agentId == null ? Optional.empty()
                : text(interaction.path("participants").path(agentId), "name")).orElse(agentId);
        String detail = switch (step) {
            case WRAPPED_UP -> first(data, "wrapUpReason", "wrapUpCode", "wrapUpAuxCodeId", "auxCodeId").orElse(null);
            case ENDED -> first(data, "reason", "terminatingParty").orElse(null);
            case TRANSFERRED -> first(data, "destination", "destAgentName", "destAgentId").orElse(null);
            default -> null;
        };
        return new TaskNotification(id, type, step, taskId, channelType, channel, origin, agent, detail, time(body, data));
    }

    /** The moment it happened: {@code data.createdTime} / {@code data.eventTime} (epoch ms), else the envelope's time. */
    private static Instant time(JsonNode body, JsonNode data) {
        for (JsonNode node : new JsonNode[] {data.get("createdTime"), data.get("eventTime"), body.get("comciscotimestamp")}) {
            if (node != null && node.canConvertToLong() && node.asLong() > 0) return Instant.ofEpochMilli(node.asLong());
        }
        Optional<String> time = text(body, "time");
        if (time.isPresent()) {
            try {
                return Instant.parse(time.get());
            } catch (RuntimeException e) {
                throw ApiError.badField("time", "time must be ISO-8601, e.g. 2026-01-31T12:00:00Z");
            }
        }
        return Instant.now();
    }

    private static Optional<String> first(JsonNode node, String... names) {
        for (String name : names) {
            Optional<String> value = text(node, name);
            if (value.isPresent()) return value;
        }
        return Optional.empty();
    }

    private static Optional<String> text(JsonNode node, String name) {
        JsonNode value = node == null ? null : node.get(name);
        if (value == null || value.isNull() || !value.isValueNode()) return Optional.empty();
        String text = value.asText().trim();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }
}
