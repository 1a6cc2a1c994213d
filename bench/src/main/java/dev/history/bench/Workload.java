package dev.history.bench;

import dev.history.common.HistoryCommand;
import dev.history.common.HistoryEvent;
import dev.history.common.Ids;
import dev.history.common.Json;
import dev.history.common.Timestamps;
import java.nio.charset.StandardCharsets;

/** The realistic event used everywhere: ~200 B of request JSON, ~300 B as a record on history-events. */
final class Workload {
    static final String[] SOURCES = {"ivr", "webchat", "sms", "whatsapp", "email", "bot"};
    static final String[] NOTES = {
        "Caller asked about the balance of the card ending 4242; verified with PIN, transferred to billing",
        "Customer reported a missing parcel; opened a claim and promised a call back within two days",
        "Chat about changing the delivery address for order 556677; address updated, confirmation sent",
        "Bot flow: menu 2, then asked for an agent after failing identification twice in a row today",
    };

    private Workload() {}

    static String username(String prefix, long n) {
        return prefix + "-" + String.format("%07d", n);
    }

    static String eventJson(String username, long n) {
        String source = SOURCES[(int) (n % SOURCES.length)];
        String channel = source.equals("ivr") ? "voice" : "digital";
        return "{\"username\":\"" + username + "\",\"source\":\"" + source + "\",\"channel\":\"" + channel
                + "\",\"level\":1,\"parent\":\"\",\"note\":\"" + NOTES[(int) (n % NOTES.length)]
                + "\",\"link\":\"https://crm.example.com/case/" + (1_000_000 + n) + "\"}";
    }

    static byte[] eventBytes(String username, long n) {
        return eventJson(username, n).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] batchBytes(String prefix, long first, int count, long usernameModulo) {
        StringBuilder sb = new StringBuilder(count * 260).append('[');
        for (int i = 0; i < count; i++) {
            long n = first + i;
            if (i > 0) sb.append(',');
            sb.append(eventJson(username(prefix, n % usernameModulo), n));
        }
        return sb.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The same command the gateway would put on the topic for that event (for the raw-producer ceiling). */
    static byte[] recordValue(String username, long n) {
        String source = SOURCES[(int) (n % SOURCES.length)];
        HistoryEvent event = new HistoryEvent(Ids.next(), Timestamps.now(), "", 1,
                source.equals("ivr") ? "voice" : "digital", source, NOTES[(int) (n % NOTES.length)],
                "https://crm.example.com/case/" + (1_000_000 + n));
        return Json.write(HistoryCommand.add(username, event, "gateway"));
    }

    static String idOf(String response) {
        int i = response.indexOf("\"id\":\"");
        if (i < 0) return null;
        int end = response.indexOf('"', i + 6);
        return response.substring(i + 6, end);
    }

    static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) n++;
        return n;
    }
}
