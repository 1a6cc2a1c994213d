package dev.history.common;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The source codes an event may carry, each with the channel used when an event names none. Configuration
 * ({@code HISTORY_SOURCES=code=channel,...}; a code without {@code =channel} defaults to digital), so a new
 * code needs no release. Every service that writes or checks history events reads it here, the same way.
 */
public record SourceRegistry(Map<String, String> defaultChannels) {
    public static final String VARIABLE = "HISTORY_SOURCES";
    public static final String DEFAULT = "ivr=voice,sms=digital,df=digital,bot=digital,whatsapp=digital,"
            + "facebook=digital,video=digital,cobrowse=digital,agent=voice,webchat=digital,web=digital,email=digital";

    public SourceRegistry {
        defaultChannels = Map.copyOf(defaultChannels);
    }

    /** {@code HISTORY_SOURCES}, or the default registry when it is unset. */
    public static SourceRegistry from(Env env) {
        return parse(env.getList(VARIABLE, DEFAULT));
    }

    /** The registry without configuration (the source codes the existing widgets use). */
    public static SourceRegistry defaults() {
        return from(Env.of(Map.of()));
    }

    /** @param entries {@code code=voice|digital} or a bare {@code code} (digital); codes are case-insensitive */
    public static SourceRegistry parse(List<String> entries) {
        Map<String, String> codes = new LinkedHashMap<>();
        for (String entry : entries) {
            String[] parts = entry.split("=", 2);
            String code = parts[0].trim().toLowerCase(Locale.ROOT);
            String channel = parts.length > 1 ? parts[1].trim().toLowerCase(Locale.ROOT) : "digital";
            if (code.isEmpty() || !EventRules.CHANNELS.contains(channel)) {
                throw new IllegalArgumentException(VARIABLE + " entry '" + entry + "' must be code=voice|digital");
            }
            codes.put(code, channel);
        }
        return new SourceRegistry(codes);
    }

    public boolean contains(String code) {
        return defaultChannels.containsKey(code);
    }

    public String defaultChannel(String code) {
        return defaultChannels.get(code);
    }

    /** The registered codes, sorted (as error messages list them). */
    public List<String> codes() {
        return defaultChannels.keySet().stream().sorted().toList();
    }
}
