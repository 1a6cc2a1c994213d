package dev.history.common;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Normalised lookup keys of the customer directory. Phone numbers match with or without a leading
 * {@code +} and ignore spaces, dashes, dots and parentheses; e-mail is case-insensitive, and a space in
 * it matches a {@code +} (an unencoded {@code +} in a query string arrives as a space).
 */
public final class Aliases {
    public static final String ANI = "ani";
    public static final String EMAIL = "email";
    public static final String PSID = "psid";

    private Aliases() {}

    /** The store key for one alias, e.g. {@code ani:15551234567}; null when the value is blank. */
    public static String key(String kind, String value) {
        if (value == null) return null;
        String normalised = switch (kind) {
            case ANI -> phone(value);
            case EMAIL -> email(value);
            case PSID -> value.trim();
            default -> throw new IllegalArgumentException("unknown alias kind " + kind);
        };
        return normalised.isEmpty() ? null : kind + ":" + normalised;
    }

    /** Every alias key a profile claims, by kind, in a stable order. */
    public static Map<String, String> of(CustomerProfile profile) {
        Map<String, String> keys = new LinkedHashMap<>();
        if (profile == null) return keys;
        putIfPresent(keys, ANI, key(ANI, profile.ani()));
        putIfPresent(keys, EMAIL, key(EMAIL, profile.email()));
        putIfPresent(keys, PSID, key(PSID, profile.psid()));
        return keys;
    }

    /**
     * Case-insensitive; a space inside the address (never valid in one) stands for a {@code +}: widgets
     * that put an address into a query string unencoded send {@code a+b@x.com} as {@code a b@x.com}.
     */
    static String email(String value) {
        return value.trim().replace(' ', '+').toLowerCase(Locale.ROOT);
    }

    static String phone(String value) {
        StringBuilder digits = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= '0' && c <= '9') digits.append(c);
            else if (c != '+' && c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') digits.append(c);
        }
        return digits.toString();
    }

    private static void putIfPresent(Map<String, String> keys, String kind, String key) {
        if (key != null) keys.put(kind, key);
    }
}
