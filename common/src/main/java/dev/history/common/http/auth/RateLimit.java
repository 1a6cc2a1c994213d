package dev.history.common.http.auth;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A token bucket: {@code perSecond} tokens refill every second, up to {@code burst}.
 * In a key file: {@code "rateLimit": 50} (50/s, burst 100) or {@code {"perSecond": 50, "burst": 200}}.
 */
public record RateLimit(long perSecond, long burst) {

    public RateLimit {
        if (perSecond < 1) throw new IllegalArgumentException("rate limit must be at least 1 per second, got " + perSecond);
        if (burst < 1) throw new IllegalArgumentException("rate limit burst must be at least 1, got " + burst);
    }

    public static RateLimit of(long perSecond) {
        return new RateLimit(perSecond, Math.max(1, perSecond * 2));
    }

    static RateLimit fromJson(JsonNode node, String where) {
        if (node == null || node.isNull()) return null;
        if (node.isIntegralNumber()) return of(node.asLong());
        if (node.isObject() && node.path("perSecond").isIntegralNumber()) {
            long perSecond = node.get("perSecond").asLong();
            long burst = node.path("burst").isIntegralNumber() ? node.get("burst").asLong() : perSecond * 2;
            return new RateLimit(perSecond, burst);
        }
        throw new IllegalArgumentException(where + ": rateLimit must be a number (per second) or {\"perSecond\": N, \"burst\": M}");
    }

    /** {@code RateLimit-Policy} value (IETF draft-ietf-httpapi-ratelimit-headers). */
    public String policy(String name) {
        return "\"" + name + "\";q=" + burst + ";w=" + Math.max(1, (burst + perSecond - 1) / perSecond);
    }

    @Override
    public String toString() {
        return perSecond + "/s burst " + burst;
    }
}
