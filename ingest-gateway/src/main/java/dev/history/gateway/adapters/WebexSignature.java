package dev.history.gateway.adapters;

import dev.history.common.http.ApiError;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies a Webex Contact Center subscription webhook as the platform documents it: {@value #SIGNATURE} is the
 * hex HMAC-SHA256 of the raw request body keyed with the subscription's secret (compared in constant time);
 * a V2 delivery's {@value #TIMESTAMP} must equal the body's {@code comciscotimestamp} (checked by the caller,
 * which has read the body) and, when a maximum skew is configured, be that close to this server's clock.
 * Any failure is a 401 and nothing is written. The secret is never logged.
 */
final class WebexSignature {
    static final String SIGNATURE = "X-WebexCC-Signature";
    static final String TIMESTAMP = "X-WebexCC-Timestamp";

    private final byte[] secret;
    private final Duration maxSkew;
    private final Clock clock;

    WebexSignature(String secret, Duration maxSkew, Clock clock) {
        this.secret = secret == null ? null : secret.getBytes(StandardCharsets.UTF_8);
        this.maxSkew = maxSkew;
        this.clock = clock;
    }

    /** The signature of {@code body} (hex), as the platform computes it; tests sign fixtures with it. */
    static String sign(String secret, byte[] body) {
        return HexFormat.of().formatHex(hmac(secret.getBytes(StandardCharsets.UTF_8), body));
    }

    /** @throws ApiError 401 naming the header at fault */
    void verify(String signature, String timestamp, byte[] body) {
        if (secret == null) throw refused(SIGNATURE, "the Webex Contact Center receiver has no secret (WEBEX_CC_WEBHOOK_SECRET)");
        if (signature == null || signature.isBlank()) throw refused(SIGNATURE, SIGNATURE + " is required");
        String hex = signature.trim();
        if (hex.regionMatches(true, 0, "sha256=", 0, 7)) hex = hex.substring(7);
        byte[] presented;
        try {
            presented = HexFormat.of().parseHex(hex.toLowerCase());
        } catch (IllegalArgumentException e) {
            throw refused(SIGNATURE, SIGNATURE + " is not a hex HMAC-SHA256");
        }
        if (!MessageDigest.isEqual(hmac(secret, body), presented)) throw refused(SIGNATURE, SIGNATURE + " does not match the body");
        if (timestamp != null && !maxSkew.isZero()) {
            long millis;
            try {
                millis = Long.parseLong(timestamp.trim());
            } catch (NumberFormatException e) {
                throw refused(TIMESTAMP, TIMESTAMP + " is not epoch milliseconds");
            }
            if (Math.abs(clock.millis() - millis) > maxSkew.toMillis()) throw refused(TIMESTAMP, TIMESTAMP + " is too old or in the future");
        }
    }

    static ApiError refused(String header, String message) {
        return new ApiError(401, message, Map.of("field", header));
    }

    private static byte[] hmac(byte[] key, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
