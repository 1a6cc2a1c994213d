package dev.history.common.http.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.history.common.http.ApiError;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Map;

/**
 * Token buckets (bucket4j) per credential, per client address, and per address for failed
 * authentications (stricter, so guessing keys is slow). Buckets live in bounded Caffeine caches that
 * forget idle ones, so a flood of new addresses cannot grow memory. A refusal is a 429 with
 * {@code Retry-After}; every limited answer carries the IETF draft {@code RateLimit} / {@code RateLimit-Policy}.
 */
public final class RateLimiter {
    private final AuthSettings.Limits limits;
    private final Cache<String, Bucket> buckets;

    public RateLimiter(AuthSettings.Limits limits) {
        this.limits = limits;
        this.buckets = Caffeine.newBuilder()
                .maximumSize(limits.trackedAddresses())
                .expireAfterAccess(Duration.ofMinutes(10))
                .build();
    }

    /** Before authentication: the client address's own budget. */
    public void checkAddress(Context ctx, String address) {
        consume(ctx, "addr:" + address, limits.perAddress(), "address", true);
    }

    /** Whether failed attempts from this address are already over budget (then credentials are not even checked). */
    public void checkFailedBudget(Context ctx, String address) {
        RateLimit limit = limits.failedAuthPerAddress();
        if (limit == null) return;
        Bucket bucket = buckets.get("fail:" + address, k -> bucket(limit));
        if (bucket.getAvailableTokens() < 1) {
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) throw refused(ctx, probe, limit, "failed-auth", "too many failed authentications from this address");
        }
    }

    /** After a failed authentication: spends one of the address's failure tokens. */
    public void recordFailure(String address) {
        RateLimit limit = limits.failedAuthPerAddress();
        if (limit != null) buckets.get("fail:" + address, k -> bucket(limit)).tryConsume(1);
    }

    /** After authentication: the credential's own limit if its key sets one, else the default. */
    public void checkCredential(Context ctx, Principal principal) {
        RateLimit limit = principal.rateLimit() != null ? principal.rateLimit() : limits.perCredential();
        consume(ctx, "cred:" + principal.limitKey() + ":" + limit, limit, "credential", true);
    }

    private void consume(Context ctx, String key, RateLimit limit, String name, boolean headers) {
        if (limit == null) return;
        ConsumptionProbe probe = buckets.get(key, k -> bucket(limit)).tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) throw refused(ctx, probe, limit, name, "rate limit exceeded (" + name + ")");
        if (headers) {
            ctx.header("RateLimit-Policy", limit.policy(name));
            ctx.header("RateLimit", "\"" + name + "\";r=" + probe.getRemainingTokens() + ";t=" + seconds(probe.getNanosToWaitForReset()));
        }
    }

    private static ApiError refused(Context ctx, ConsumptionProbe probe, RateLimit limit, String name, String message) {
        long retryAfter = Math.max(1, seconds(probe.getNanosToWaitForRefill()));
        ctx.header("Retry-After", Long.toString(retryAfter));
        ctx.header("RateLimit-Policy", limit.policy(name));
        ctx.header("RateLimit", "\"" + name + "\";r=0;t=" + retryAfter);
        return new ApiError(429, message, Map.of("retryAfterSeconds", retryAfter, "limit", name));
    }

    private static long seconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }

    private static Bucket bucket(RateLimit limit) {
        return Bucket.builder()
                .addLimit(b -> b.capacity(limit.burst()).refillGreedy(limit.perSecond(), Duration.ofSeconds(1)))
                .build();
    }
}
