package dev.history.common.http.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * API keys: {@value #PREFIX} followed by 256 random bits in base64url, so secret scanners can find a
 * leaked key by its prefix. Only the SHA-256 of a key is stored: for a key this random, a plain hash is
 * as strong as a slow password hash and costs nothing per request.
 */
public final class ApiKeyFormat {
    public static final String PREFIX = "hp_live_";
    public static final String HASH_PREFIX = "sha256:";
    private static final Pattern SHAPE = Pattern.compile(Pattern.quote(PREFIX) + "[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeyFormat() {}

    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Whether a presented token has the shape of one of our keys (anything else is tried as a token). */
    public static boolean looksLikeKey(String token) {
        return token != null && token.startsWith(PREFIX);
    }

    public static boolean wellFormed(String token) {
        return token != null && SHAPE.matcher(token).matches();
    }

    /** The stored form: {@code sha256:<64 hex digits>}. */
    public static String hash(String key) {
        return HASH_PREFIX + HexFormat.of().formatHex(digest(key));
    }

    static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a stored hash to its 32 bytes; null when it is not {@code sha256:} and 64 hex digits. */
    static byte[] parseHash(String stored) {
        if (stored == null || !stored.startsWith(HASH_PREFIX)) return null;
        String hex = stored.substring(HASH_PREFIX.length());
        if (hex.length() != 64) return null;
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
