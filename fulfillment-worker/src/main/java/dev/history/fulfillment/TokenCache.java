package dev.history.fulfillment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OAuth2 client-credentials tokens per task: fetched on first use, shared by concurrent deliveries (one
 * fetch in flight per task), refreshed shortly before {@code expires_in} runs out, and dropped when a
 * webhook answers 401 so the next call fetches a fresh one. Tokens are never logged.
 */
final class TokenCache {
    private static final Logger LOG = LoggerFactory.getLogger(TokenCache.class);
    private static final Duration SKEW = Duration.ofSeconds(30);
    private static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);

    /** Thrown when the token endpoint refuses the client (4xx): retrying will not help. */
    static final class Rejected extends RuntimeException {
        Rejected(String message) {
            super(message, null, false, false);
        }
    }

    private record Token(String value, Instant expiresAt) {}

    /** Sends a guarded HTTP call; implemented by {@link WebhookClient}. */
    interface Transport {
        CompletableFuture<WebhookClient.Response> post(URI url, Map<String, String> headers, byte[] body, Duration timeout);
    }

    private final Transport transport;
    private final Clock clock;
    private final Map<String, CompletableFuture<Token>> tokens = new ConcurrentHashMap<>();

    TokenCache(Transport transport, Clock clock) {
        this.transport = transport;
        this.clock = clock;
    }

    CompletableFuture<String> token(Task task) {
        CompletableFuture<Token> current = tokens.compute(task.id(), (id, existing) -> {
            if (existing != null && (!existing.isDone() || usable(existing))) return existing;
            return fetch(task);
        });
        return current.thenApply(Token::value);
    }

    /** Forgets {@code token} (a webhook answered 401 with it); a newer token is kept. */
    void invalidate(Task task, String token) {
        tokens.computeIfPresent(task.id(), (id, existing) ->
                existing.isDone() && !existing.isCompletedExceptionally() && existing.join().value().equals(token)
                        ? null : existing);
    }

    private boolean usable(CompletableFuture<Token> f) {
        if (f.isCompletedExceptionally()) return false;
        return f.join().expiresAt().isAfter(clock.instant());
    }

    private CompletableFuture<Token> fetch(Task task) {
        OAuth2Settings o = task.oauth2();
        StringBuilder form = new StringBuilder("grant_type=client_credentials");
        if (o.scope() != null && !o.scope().isBlank()) form.append("&scope=").append(enc(o.scope()));
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put("Content-Type", "application/x-www-form-urlencoded");
        headers.put("Accept", "application/json");
        if (o.authMethod().equals("post")) {
            form.append("&client_id=").append(enc(o.clientId())).append("&client_secret=").append(enc(o.clientSecret()));
        } else {
            String basic = enc(o.clientId()) + ":" + enc(o.clientSecret());
            headers.put("Authorization", "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        }
        Instant requestedAt = clock.instant();
        return transport.post(URI.create(o.tokenUrl()), headers, form.toString().getBytes(StandardCharsets.UTF_8), task.timeout())
                .thenApply(response -> {
                    if (response.status() / 100 != 2) {
                        String message = "oauth2 token request for task " + task.id() + " answered HTTP " + response.status();
                        if (response.status() >= 400 && response.status() < 500 && response.status() != 408 && response.status() != 429) {
                            throw new Rejected(message);
                        }
                        throw new IllegalStateException(message);
                    }
                    JsonNode body;
                    try {
                        body = Json.MAPPER.readTree(response.body());
                    } catch (Exception e) {
                        throw new IllegalStateException("oauth2 token response for task " + task.id() + " is not JSON");
                    }
                    String value = body.path("access_token").asText("");
                    if (value.isEmpty()) throw new IllegalStateException("oauth2 token response for task " + task.id() + " has no access_token");
                    Duration lifetime = body.hasNonNull("expires_in") ? Duration.ofSeconds(body.get("expires_in").asLong()) : DEFAULT_LIFETIME;
                    Duration usableFor = lifetime.compareTo(SKEW.multipliedBy(2)) > 0 ? lifetime.minus(SKEW) : lifetime.dividedBy(2);
                    LOG.info("fetched oauth2 token for task {} valid for {}s", task.id(), lifetime.toSeconds());
                    return new Token(value, requestedAt.plus(usableFor));
                });
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
