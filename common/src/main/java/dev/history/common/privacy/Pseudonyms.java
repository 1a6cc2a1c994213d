package dev.history.common.privacy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed hashes (HMAC-SHA256 with the pepper {@code ERASURE_PEPPER}) that stand in for usernames and
 * directory aliases on Kafka and in the stores: stable (same partition, same store key) but meaningless
 * without the pepper. Hex on purpose: it survives the directory's alias normalisation unchanged.
 */
public final class Pseudonyms {
    private final SecretKeySpec pepper;
    private final ThreadLocal<Mac> mac = ThreadLocal.withInitial(this::newMac); // Mac.getInstance per call costs µs

    public Pseudonyms(byte[] pepper) {
        if (pepper.length < 32) throw new IllegalArgumentException("ERASURE_PEPPER must be at least 32 bytes");
        this.pepper = new SecretKeySpec(pepper, "HmacSHA256");
    }

    /** The record key and store key of a customer: {@code c} + 32 hex digits (128 bits of the HMAC). */
    public String customer(String username) {
        return "c" + hex("customer\0" + username, 16);
    }

    /** A directory alias key ({@code ani:15551234567}) as the directory stores it: {@code kind:} + 32 hex digits. */
    public String alias(String aliasKey) {
        int colon = aliasKey.indexOf(':');
        return aliasKey.substring(0, colon + 1) + hex("alias\0" + aliasKey, 16);
    }

    private String hex(String input, int bytes) {
        byte[] digest = mac.get().doFinal(input.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, bytes);
    }

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(pepper);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
