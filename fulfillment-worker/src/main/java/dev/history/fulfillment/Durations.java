package dev.history.fulfillment;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Human durations in configuration: {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 1d}. */
final class Durations {
    private Durations() {}

    static Duration parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
            long n = Long.parseLong(t.substring(0, t.length() - 1).trim());
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration like 250ms, 5s, 2m, 1h or 1d");
        }
    }

    /** A comma-separated list of durations, e.g. a retry schedule. */
    static List<Duration> parseList(String text) {
        List<Duration> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) out.add(parse(part));
        }
        if (out.isEmpty()) throw new IllegalArgumentException("'" + text + "' is an empty duration list");
        return List.copyOf(out);
    }

    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0 && ms > 0) return ms / 1000 + "s";
        return ms + "ms";
    }
}
