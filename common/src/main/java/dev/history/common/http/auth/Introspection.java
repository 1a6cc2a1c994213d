package dev.history.common.http.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.history.common.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opaque access tokens through RFC 7662 token introspection. An answer is cached (keyed by the token's
 * SHA-256, so the cache holds no token) until the token expires, at most {@code cacheMax}; a "not active"
 * answer for a short while, so a flood of bad tokens does not become a flood of IdP calls. The cache is
 * bounded. Calls have connect and request timeouts: a slow IdP costs a request thread a bounded time.
 */
public final class Introspection {
    private static final Logger LOG = LoggerFactory.getLogger(Introspection.class);
    private static final Duration INACTIVE_TTL = Duration.ofSeconds(30);

    private record Answer(Principal principal, String failure, Instant expires) {}

    private final AuthSettings.Introspection settings;
    private final String expectedIssuer;
    private final String expectedAudience;
    private final String scopeClaim;
    private final HttpClient client;
    private final Cache<String, Answer> cache;

    public Introspection(AuthSettings.Introspection settings, AuthSettings.Jwt jwt) {
        this.settings = settings;
        this.expectedIssuer = jwt == null ? settings.issuer() : jwt.issuer();
        this.expectedAudience = jwt == null ? settings.audience() : jwt.audience();
        this.scopeClaim = jwt == null ? "scope" : jwt.scopeClaim();
        this.client = HttpClient.newBuilder().connectTimeout(settings.timeout()).version(HttpClient.Version.HTTP_1_1).build();
        this.cache = Caffeine.newBuilder()
                .maximumSize(settings.cacheSize())
                .expireAfter(Expiry.<String, Answer>creating((key, answer) ->
                        Duration.between(Instant.now(), answer.expires()).isNegative()
                                ? Duration.ZERO : Duration.between(Instant.now(), answer.expires())))
                .build();
    }

    public Principal verify(String token) throws AuthFailure {
        String key = HexFormat.of().formatHex(ApiKeyFormat.digest(token));
        Answer answer = cache.get(key, k -> ask(token));
        if (answer.principal() == null) throw new AuthFailure(answer.failure());
        return answer.principal();
    }

    private Answer ask(String token) {
        Instant now = Instant.now();
        String body = "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8) + "&token_type_hint=access_token";
        String basic = Base64.getEncoder().encodeToString((form(settings.clientId()) + ":" + form(settings.clientSecret()))
                .getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(settings.url()))
                .timeout(settings.timeout())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                LOG.warn("token introspection answered {}", response.statusCode());
                // Not cached as inactive: the IdP failing is not the token being bad.
                return new Answer(null, "token could not be checked", now);
            }
            return read(Json.MAPPER.readTree(response.body()), now);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(null, "token could not be checked", now);
        } catch (Exception e) {
            LOG.warn("token introspection failed: {}", e.getClass().getSimpleName());
            return new Answer(null, "token could not be checked", now);
        }
    }

    private Answer read(JsonNode json, Instant now) {
        if (json == null || !json.path("active").asBoolean(false)) return inactive("token is not active", now);
        Instant expires = json.path("exp").canConvertToLong() ? Instant.ofEpochSecond(json.get("exp").asLong()) : null;
        if (expires != null && !expires.isAfter(now)) return inactive("token expired", now);
        if (expectedIssuer != null && json.hasNonNull("iss") && !expectedIssuer.equals(json.get("iss").asText())) {
            return inactive("token from another issuer", now);
        }
        if (expectedAudience != null && json.has("aud") && !audiences(json.get("aud")).contains(expectedAudience)) {
            return inactive("token for another audience", now);
        }
        String subject = json.hasNonNull("sub") ? json.get("sub").asText()
                : json.hasNonNull("client_id") ? json.get("client_id").asText() : null;
        if (subject == null || subject.isBlank()) return inactive("token has no subject", now);
        JsonNode claim = json.get(scopeClaim);
        List<String> scopes = claim == null ? List.of()
                : claim.isArray() ? audiences(claim) : JwtVerifier.scopes(claim.asText());
        Instant until = now.plus(settings.cacheMax());
        if (expires != null && expires.isBefore(until)) until = expires;
        return new Answer(new Principal(subject, Principal.INTROSPECTION, Scope.lenient(scopes), null, null), null, until);
    }

    private static Answer inactive(String why, Instant now) {
        return new Answer(null, why, now.plus(INACTIVE_TTL));
    }

    private static List<String> audiences(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) node.forEach(n -> out.add(n.asText()));
        else out.add(node.asText());
        return out;
    }

    private static String form(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
