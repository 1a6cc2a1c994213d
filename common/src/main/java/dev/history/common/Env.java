package dev.history.common;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Typed access to environment variables; a bad value fails start-up with a message naming the variable. */
public final class Env {
    private final Map<String, String> vars;

    private Env(Map<String, String> vars) {
        this.vars = Map.copyOf(vars);
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    public static Env of(Map<String, String> vars) {
        return new Env(vars);
    }

    /** This environment with some variables replaced (tests, and standalone deriving per-service settings). */
    public Env with(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(vars);
        merged.putAll(overrides);
        return new Env(merged);
    }

    public Map<String, String> all() {
        return vars;
    }

    public String get(String name, String fallback) {
        String value = vars.get(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    public int getInt(String name, int fallback) {
        return (int) getLong(name, fallback);
    }

    public long getLong(String name, long fallback) {
        String value = get(name, null);
        if (value == null) return fallback;
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'");
        }
    }

    public boolean getBoolean(String name, boolean fallback) {
        String value = get(name, null);
        if (value == null) return fallback;
        return switch (value.toLowerCase()) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException(name + " must be true or false, got '" + value + "'");
        };
    }

    /** A comma-separated list, blanks dropped. */
    public List<String> getList(String name, String fallback) {
        String value = get(name, fallback);
        if (value == null) return List.of();
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
