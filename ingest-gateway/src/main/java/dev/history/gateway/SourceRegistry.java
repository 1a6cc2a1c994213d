package dev.history.gateway;

import dev.history.common.Env;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The source codes flows may send, each with the channel used when an event names none. Configuration
 * ({@code HISTORY_SOURCES=code=channel,...}), so a new code needs no release.
 */
public record SourceRegistry(Map<String, String> defaultChannels) {
    public static final String DEFAULT = "ivr=voice,sms=digital,df=digital,bot=digital,whatsapp=digital,"
            + "facebook=digital,video=digital,cobrowse=digital,agent=voice,webchat=digital,web=digital,email=digital";

    public static SourceRegistry from(Env env) {
        Map<String, String> codes = new LinkedHashMap<>();
        for (String entry : env.getList("HISTORY_SOURCES", DEFAULT)) {
            String[] parts = entry.split("=", 2);
            String code = parts[0].trim().toLowerCase(Locale.ROOT);
            String channel = parts.length > 1 ? parts[1].trim().toLowerCase(Locale.ROOT) : "digital";
            if (code.isEmpty() || !EventParser.CHANNELS.contains(channel)) {
                throw new IllegalArgumentException("HISTORY_SOURCES entry '" + entry + "' must be code=voice|digital");
            }
            codes.put(code, channel);
        }
        return new SourceRegistry(Map.copyOf(codes));
    }

    public boolean contains(String code) {
        return defaultChannels.containsKey(code);
    }

    public String defaultChannel(String code) {
        return defaultChannels.get(code);
    }
}
