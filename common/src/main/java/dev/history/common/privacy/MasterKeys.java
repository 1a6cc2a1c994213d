package dev.history.common.privacy;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Master keys from configuration ({@code ERASURE_MASTER_KEYS=id:base64,id:base64}): the first listed
 * wraps new data keys, every listed one unwraps. Rotation: put the new key first, keep the old one
 * listed until {@code ops rewrap} has re-wrapped every data key, then drop it.
 */
public final class MasterKeys implements KeyWrapper {
    private final Map<String, SecretKey> keys;
    private final String current;

    private MasterKeys(Map<String, SecretKey> keys) {
        if (keys.isEmpty()) throw new IllegalArgumentException("ERASURE_MASTER_KEYS lists no key");
        this.keys = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keys));
        this.current = keys.keySet().iterator().next();
    }

    /** Parses {@code id:base64,…}; each key must be 32 bytes (AES-256). Error messages never include key material. */
    public static MasterKeys parse(String spec) {
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        for (String entry : spec.split(",")) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) continue;
            int colon = trimmed.indexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("ERASURE_MASTER_KEYS entries are id:base64-key");
            String id = trimmed.substring(0, colon);
            if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("ERASURE_MASTER_KEYS: key id '" + id + "' must be 1-64 of A-Z a-z 0-9 . _ -");
            }
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(trimmed.substring(colon + 1).trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ERASURE_MASTER_KEYS: key " + id + " is not base64");
            }
            if (bytes.length != 32) throw new IllegalArgumentException("ERASURE_MASTER_KEYS: key " + id + " must be 32 bytes");
            if (keys.put(id, new SecretKeySpec(bytes, "AES")) != null) {
                throw new IllegalArgumentException("ERASURE_MASTER_KEYS: key id " + id + " listed twice");
            }
        }
        return new MasterKeys(keys);
    }

    /** The configured key ids, the current (wrapping) one first. */
    public java.util.List<String> ids() {
        return java.util.List.copyOf(keys.keySet());
    }

    /** A fresh key spec entry {@code id:base64} (generated secrets files, {@code ops erasure-secrets}). */
    public static String generate(String id) {
        return id + ":" + Base64.getEncoder().encodeToString(Gcm.randomBytes(32));
    }

    @Override
    public Wrapped wrap(byte[] dataKey, byte[] aad) {
        return new Wrapped(current, Gcm.encrypt(keys.get(current), dataKey, withId(aad, current)));
    }

    @Override
    public byte[] unwrap(Wrapped wrapped, byte[] aad) {
        SecretKey key = keys.get(wrapped.masterKeyId());
        if (key == null) throw new SealException("master key " + wrapped.masterKeyId() + " is not configured");
        return Gcm.decrypt(key, wrapped.bytes(), withId(aad, wrapped.masterKeyId()));
    }

    @Override
    public String currentKeyId() {
        return current;
    }

    /** The master key id is authenticated too: a wrapped key cannot be relabelled as another master key's. */
    private static byte[] withId(byte[] aad, String id) {
        byte[] idBytes = ("|" + id).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] out = new byte[aad.length + idBytes.length];
        System.arraycopy(aad, 0, out, 0, aad.length);
        System.arraycopy(idBytes, 0, out, aad.length, idBytes.length);
        return out;
    }

    @Override
    public String toString() {
        return "MasterKeys[ids=" + keys.keySet() + ", current=" + current + "]";
    }
}
