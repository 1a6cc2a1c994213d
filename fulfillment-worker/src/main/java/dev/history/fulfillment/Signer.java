package dev.history.fulfillment;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: HMAC-SHA256 over {@code {webhook-id}.{webhook-timestamp}.{body}} with the
 * base64-decoded secret (an optional {@code whsec_} prefix is dropped), sent as {@code v1,<base64>}.
 */
public final class Signer {
    private static final String PREFIX = "whsec_";

    private Signer() {}

    public static byte[] decodeSecret(String secret) {
        String s = secret.trim();
        if (s.startsWith(PREFIX)) s = s.substring(PREFIX.length());
        try {
            byte[] key = Base64.getDecoder().decode(s);
            if (key.length < 16) throw new IllegalArgumentException("secret must decode to at least 16 bytes");
            return key;
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("secret")) throw e;
            throw new IllegalArgumentException("secret must be base64, optionally prefixed with whsec_");
        }
    }

    public static String sign(byte[] key, String webhookId, long timestampSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((webhookId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
