package dev.history.common.http.auth;

import com.nimbusds.jose.JWSAlgorithm;
import dev.history.common.Env;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How a service's HTTP edge is protected, read once from the environment (see docs/SECURITY.md).
 *
 * <p>Protected by default: with no credentials configured the service listens on loopback only; asking
 * for another address ({@code HTTP_HOST}) without credentials refuses to start, unless {@code AUTH=none}
 * says the service is meant to be open (behind a trusted gateway).
 *
 * @param mode {@link Mode#ENFORCED} when credentials are configured; {@link Mode#LOCAL} with none (loopback
 *     only, every route open to local clients); {@link Mode#NONE} when {@code AUTH=none}
 * @param host the listen address ({@code HTTP_HOST}; default 127.0.0.1 in LOCAL mode, else 0.0.0.0)
 * @param ticketSecret HMAC key of stream tickets ({@code AUTH_TICKET_SECRET}); null = a random key per process
 */
public record AuthSettings(
        Mode mode,
        String host,
        Path apiKeysFile,
        Jwt jwt,
        Introspection introspection,
        Limits limits,
        List<String> trustedProxies,
        Tls tls,
        Audit audit,
        String ticketSecret,
        Duration ticketTtl) {

    public enum Mode { ENFORCED, LOCAL, NONE }

    /** OIDC / OAuth2 JWT validation. Issuer and audience are required: without them any token of the IdP would pass. */
    public record Jwt(String jwksUrl, String issuer, String audience, String scopeClaim, Set<JWSAlgorithm> algorithms,
                      Duration clockSkew, Duration cacheTtl, Duration minRefreshInterval, Duration fetchTimeout) {}

    /** RFC 7662 introspection of opaque tokens. */
    public record Introspection(String url, String clientId, String clientSecret, Duration timeout, Duration cacheMax,
                                long cacheSize, String issuer, String audience) {
        @Override
        public String toString() {
            return "Introspection[url=" + url + ", clientId=" + clientId + ", clientSecret=****, timeout=" + timeout
                    + ", cacheMax=" + cacheMax + ", cacheSize=" + cacheSize + "]";
        }
    }

    /** Token buckets; a null limit is off. */
    public record Limits(RateLimit perCredential, RateLimit perAddress, RateLimit failedAuthPerAddress, long trackedAddresses) {}

    /** An HTTPS listener from PEM files; plain HTTP can redirect to it or be off. */
    public record Tls(int httpsPort, Path certFile, Path keyFile, boolean redirectHttp, boolean plainHttp) {}

    public record Audit(boolean enabled, String topic, long retentionMs, int queueSize) {}

    public static AuthSettings from(Env env) {
        String auth = env.get("AUTH", "auto").toLowerCase(Locale.ROOT);
        if (!List.of("auto", "on", "none").contains(auth)) {
            throw new IllegalArgumentException("AUTH must be auto, on or none, got '" + auth + "'");
        }
        String keysFile = env.get("API_KEYS_FILE", null);
        Jwt jwt = jwt(env);
        Introspection introspection = introspection(env);
        boolean credentials = keysFile != null || jwt != null || introspection != null;
        Mode mode;
        if (auth.equals("none")) {
            mode = Mode.NONE;
        } else if (credentials) {
            mode = Mode.ENFORCED;
        } else if (auth.equals("on")) {
            throw new IllegalArgumentException("AUTH=on but no credentials are configured: set API_KEYS_FILE, "
                    + "AUTH_JWKS_URL or AUTH_INTROSPECTION_URL");
        } else {
            mode = Mode.LOCAL;
        }
        String host = env.get("HTTP_HOST", mode == Mode.LOCAL ? "127.0.0.1" : "0.0.0.0");
        if (mode == Mode.LOCAL && !isLoopback(host)) {
            throw new IllegalArgumentException("refusing to listen on HTTP_HOST=" + host + " without authentication: "
                    + "anyone reaching it could read and erase customer data. Configure API_KEYS_FILE, AUTH_JWKS_URL or "
                    + "AUTH_INTROSPECTION_URL, or set AUTH=none to run open on purpose (e.g. behind a trusted gateway)");
        }
        if (mode == Mode.ENFORCED && env.getList("CORS_ORIGINS", "").contains("*")) {
            throw new IllegalArgumentException("CORS_ORIGINS=* is not allowed with authentication on: list the "
                    + "widget origins, e.g. CORS_ORIGINS=https://desktop.example.com");
        }
        boolean enforced = mode == Mode.ENFORCED;
        Limits limits = new Limits(
                limit(env, "RATE_LIMIT_PER_CREDENTIAL", enforced ? "200:400" : "0"),
                limit(env, "RATE_LIMIT_PER_ADDRESS", enforced ? "500:1000" : "0"),
                limit(env, "RATE_LIMIT_FAILED_AUTH", enforced ? "1:10" : "0"),
                env.getLong("RATE_LIMIT_TRACKED_ADDRESSES", 100_000));
        String secret = env.get("AUTH_TICKET_SECRET", null);
        if (secret != null && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
            throw new IllegalArgumentException("AUTH_TICKET_SECRET must be at least 32 bytes");
        }
        return new AuthSettings(mode, host, keysFile == null ? null : Path.of(keysFile), jwt, introspection, limits,
                env.getList("HTTP_TRUSTED_PROXIES", ""), tls(env),
                new Audit(env.getBoolean("AUDIT_ENABLED", enforced), env.get("TOPIC_AUDIT", "audit"),
                        env.getLong("AUDIT_RETENTION_MS", Duration.ofDays(400).toMillis()),
                        env.getInt("AUDIT_QUEUE_SIZE", 10_000)),
                secret, Duration.ofSeconds(env.getLong("AUTH_TICKET_TTL_SECONDS", 60)));
    }

    /** The default of an app built without settings: no credentials, loopback only. */
    public static AuthSettings local() {
        return from(Env.of(java.util.Map.of()));
    }

    public boolean enforced() {
        return mode == Mode.ENFORCED;
    }

    private static Jwt jwt(Env env) {
        String url = env.get("AUTH_JWKS_URL", null);
        if (url == null) return null;
        String issuer = env.get("AUTH_JWT_ISSUER", null);
        String audience = env.get("AUTH_JWT_AUDIENCE", null);
        if (issuer == null || audience == null) {
            throw new IllegalArgumentException("AUTH_JWKS_URL needs AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE: without them a "
                    + "token the identity provider issued for any other application would be accepted");
        }
        return new Jwt(url, issuer, audience, env.get("AUTH_JWT_SCOPE_CLAIM", "scope"),
                JwtVerifier.parseAlgorithms(env.getList("AUTH_JWT_ALGORITHMS", "RS256,ES256")),
                Duration.ofSeconds(env.getLong("AUTH_JWT_CLOCK_SKEW_SECONDS", 60)),
                Duration.ofSeconds(env.getLong("AUTH_JWKS_CACHE_SECONDS", 300)),
                Duration.ofMillis(env.getLong("AUTH_JWKS_MIN_REFRESH_MS", 30_000)),
                Duration.ofMillis(env.getLong("AUTH_FETCH_TIMEOUT_MS", 2_000)));
    }

    private static Introspection introspection(Env env) {
        String url = env.get("AUTH_INTROSPECTION_URL", null);
        if (url == null) return null;
        String id = env.get("AUTH_INTROSPECTION_CLIENT_ID", null);
        String secret = env.get("AUTH_INTROSPECTION_CLIENT_SECRET", null);
        if (id == null || secret == null) {
            throw new IllegalArgumentException("AUTH_INTROSPECTION_URL needs AUTH_INTROSPECTION_CLIENT_ID and AUTH_INTROSPECTION_CLIENT_SECRET");
        }
        return new Introspection(url, id, secret, Duration.ofMillis(env.getLong("AUTH_FETCH_TIMEOUT_MS", 2_000)),
                Duration.ofSeconds(env.getLong("AUTH_INTROSPECTION_CACHE_SECONDS", 300)),
                env.getLong("AUTH_INTROSPECTION_CACHE_SIZE", 10_000),
                env.get("AUTH_JWT_ISSUER", null), env.get("AUTH_JWT_AUDIENCE", null));
    }

    private static Tls tls(Env env) {
        int port = env.getInt("HTTPS_PORT", 0);
        if (port == 0) return null;
        String cert = env.get("TLS_CERT_FILE", null);
        String key = env.get("TLS_KEY_FILE", null);
        if (cert == null || key == null) throw new IllegalArgumentException("HTTPS_PORT needs TLS_CERT_FILE and TLS_KEY_FILE (PEM)");
        return new Tls(port, Path.of(cert), Path.of(key), env.getBoolean("HTTP_REDIRECT_TO_HTTPS", false),
                env.getBoolean("HTTP_PLAIN_ENABLED", true));
    }

    /** {@code perSecond[:burst]}; 0 turns the limit off. */
    static RateLimit limit(Env env, String name, String fallback) {
        String value = env.get(name, fallback);
        try {
            String[] parts = value.split(":", 2);
            long perSecond = Long.parseLong(parts[0].trim());
            if (perSecond == 0) return null;
            return parts.length == 1 ? RateLimit.of(perSecond) : new RateLimit(perSecond, Long.parseLong(parts[1].trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " must be perSecond[:burst] (0 = off), got '" + value + "'");
        }
    }

    static boolean isLoopback(String host) {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) return false;
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** One start-up line; secrets masked. */
    @Override
    public String toString() {
        return "AuthSettings[mode=" + mode + ", host=" + host + ", apiKeysFile=" + apiKeysFile + ", jwt=" + jwt
                + ", introspection=" + introspection + ", limits=" + limits + ", trustedProxies=" + trustedProxies
                + ", tls=" + tls + ", audit=" + audit + ", ticketSecret=" + (ticketSecret == null ? "per-process" : "****")
                + ", ticketTtl=" + ticketTtl + "]";
    }
}
