package dev.history.common.http.auth;

/**
 * Checks a bearer credential with whichever mechanism it belongs to: our API keys (by their prefix),
 * JWTs against the JWKS, anything else through token introspection.
 */
public final class Authenticator {
    private final ApiKeys apiKeys;
    private final JwtVerifier jwt;
    private final Introspection introspection;

    public Authenticator(ApiKeys apiKeys, JwtVerifier jwt, Introspection introspection) {
        this.apiKeys = apiKeys;
        this.jwt = jwt;
        this.introspection = introspection;
    }

    public static Authenticator from(AuthSettings settings) {
        return new Authenticator(
                settings.apiKeysFile() == null ? null : ApiKeys.load(settings.apiKeysFile()),
                settings.jwt() == null ? null : new JwtVerifier(settings.jwt()),
                settings.introspection() == null ? null : new Introspection(settings.introspection(), settings.jwt()));
    }

    public Principal authenticate(String token) throws AuthFailure {
        if (ApiKeyFormat.looksLikeKey(token)) {
            if (apiKeys == null) throw new AuthFailure("API keys are not accepted here");
            return apiKeys.authenticate(token);
        }
        if (jwt != null && JwtVerifier.looksLikeJwt(token)) return jwt.verify(token);
        if (introspection != null) return introspection.verify(token);
        throw new AuthFailure("unrecognised credential");
    }

    /** What is configured, for the start-up line. */
    String describe() {
        StringBuilder s = new StringBuilder();
        if (apiKeys != null) s.append(apiKeys.size()).append(" API key(s)");
        if (jwt != null) s.append(s.isEmpty() ? "" : ", ").append("JWTs");
        if (introspection != null) s.append(s.isEmpty() ? "" : ", ").append("token introspection");
        return s.toString();
    }
}
