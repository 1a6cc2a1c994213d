package dev.history.gateway.adapters;

import dev.history.common.Ids;
import dev.history.common.Timestamps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The history events one task notification writes. A task is one interaction: a parent event (source
 * {@code agent} for a voice call, the channel's code for a digital task), and children under it for assignment
 * to an agent (with the agent's name), hold, resume, transfer, end and wrap-up (with its code).
 *
 * <p>Every id is deterministic, so the timeline (which keeps one event per id) absorbs redelivery and
 * reordering: the parent's id derives from the task id, so a child written before its parent already points
 * at it (the widgets nest it once the parent is there); a child's id derives from its notification id. The
 * parent is written by the start notification only ({@code task:new}, {@code eAgentOfferContact}), so it
 * carries the task's start time whatever arrives first. Each event carries the time the platform reports,
 * and the timeline orders by it, not by arrival.
 */
final class TaskTimeline {
    static final String ORIGIN = "webex-cc";

    private TaskTimeline() {}

    static String parentId(String taskId) {
        return Ids.stable(ORIGIN, "task", taskId);
    }

    /** The events' fields (by {@code EventRules} name), parent first; empty for an ignored notification. */
    static List<Map<String, String>> events(TaskNotification n) {
        List<Map<String, String>> events = new ArrayList<>();
        if (n.step() == TaskNotification.Step.IGNORED) return events;
        String source = source(n.channelType(), n.channel());
        String channel = voice(n.channelType()) ? "voice" : "digital";
        String time = Timestamps.format(n.time());
        if (n.step() == TaskNotification.Step.STARTED) {
            events.add(event(parentId(n.taskId()), "", "1", source, channel, time, parentNote(n)));
        }
        String note = switch (n.step()) {
            case ASSIGNED -> "Assigned to " + (n.agent() == null ? "an agent" : n.agent());
            case HELD -> "On hold";
            case RESUMED -> "Resumed";
            case TRANSFERRED -> "Transferred" + (n.detail() == null ? "" : " to " + n.detail());
            case ENDED -> "Ended" + (n.detail() == null ? "" : " (" + n.detail() + ")");
            case WRAPPED_UP -> "Wrap-up: " + (n.detail() == null ? "no code" : n.detail());
            default -> null;
        };
        if (note != null) events.add(event(Ids.stable(ORIGIN, n.id()), parentId(n.taskId()), "2", source, channel, time, note));
        return events;
    }

    /** The history source code of a channel: {@code agent} for voice; e-mail, SMS, WhatsApp, Messenger; else web chat. */
    static String source(String channelType, String channel) {
        if (voice(channelType)) return "agent";
        String type = channelType.toLowerCase(Locale.ROOT);
        String named = channel == null ? "" : channel.toLowerCase(Locale.ROOT);
        if (type.equals("email")) return "email";
        if (type.equals("sms") || named.equals("sms")) return "sms";
        if (named.contains("whatsapp")) return "whatsapp";
        if (named.contains("facebook") || named.contains("messenger")) return "facebook";
        return "webchat";
    }

    private static boolean voice(String channelType) {
        String type = channelType.toLowerCase(Locale.ROOT);
        return type.equals("telephony") || type.equals("voice") || type.equals("phone");
    }

    private static String parentNote(TaskNotification n) {
        String what = switch (source(n.channelType(), n.channel())) {
            case "agent" -> "Voice call";
            case "email" -> "E-mail";
            case "sms" -> "SMS conversation";
            case "whatsapp" -> "WhatsApp conversation";
            case "facebook" -> "Messenger conversation";
            default -> "Chat";
        };
        return what + (n.origin() == null ? "" : " from " + n.origin());
    }

    private static Map<String, String> event(String id, String parent, String level, String source, String channel,
            String timestamp, String note) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("id", id);
        fields.put("parent", parent);
        fields.put("level", level);
        fields.put("source", source);
        fields.put("channel", channel);
        fields.put("timestamp", timestamp);
        fields.put("note", note);
        return fields;
    }
}
