package dev.history.common.http.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * OAuth 2.0 / OIDC access tokens that are JWTs, checked with nimbus-jose-jwt against the identity
 * provider's JWKS: signature with an allowed asymmetric algorithm (never {@code none}, never HMAC, so a
 * public key can never be used as an HMAC secret), issuer, audience, {@code exp}/{@code nbf} with a small
 * clock skew. The JWKS is cached; a token with an unknown {@code kid} triggers a refresh (key rotation),
 * rate-limited so garbage tokens cannot hammer the IdP; fetches have connect/read timeouts, so a slow IdP
 * holds a request thread for a bounded time only.
 */
public final class JwtVerifier {
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final String scopeClaim;

    public JwtVerifier(AuthSettings.Jwt settings) {
        this.scopeClaim = settings.scopeClaim();
        JWKSource<SecurityContext> keys;
        try {
            keys = JWKSourceBuilder.<SecurityContext>create(URI.create(settings.jwksUrl()).toURL(),
                            new DefaultResourceRetriever((int) settings.fetchTimeout().toMillis(),
                                    (int) settings.fetchTimeout().toMillis(), 512 * 1024))
                    .cache(settings.cacheTtl().toMillis(), settings.fetchTimeout().toMillis() + 1000)
                    .rateLimited(settings.minRefreshInterval().toMillis())
                    .retrying(false)
                    .build();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("AUTH_JWKS_URL is not a URL: " + settings.jwksUrl());
        }
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(
                JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt"), null));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.copyOf(settings.algorithms()), keys));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                settings.audience() == null ? null : Set.of(settings.audience()),
                new JWTClaimsSet.Builder().issuer(settings.issuer()).build(),
                Set.of("sub", "exp", "iss"),
                null);
        claims.setMaxClockSkew((int) settings.clockSkew().toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    /** Whether a bearer token has the shape of a JWS (three base64url parts). */
    public static boolean looksLikeJwt(String token) {
        return token.chars().filter(c -> c == '.').count() == 2 && token.length() > 10;
    }

    public Principal verify(String token) throws AuthFailure {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new AuthFailure("malformed token");
        } catch (BadJOSEException e) {
            // nimbus messages name the failed check (expired, bad signature, wrong issuer), never the token.
            throw new AuthFailure("token rejected: " + e.getMessage());
        } catch (Exception e) {
            // JOSEException: the key source failed (IdP unreachable) or a key could not be used.
            throw new AuthFailure("token could not be verified: " + e.getClass().getSimpleName());
        }
        return new Principal(claims.getSubject(), Principal.JWT, Scope.lenient(scopes(claims.getClaim(scopeClaim))), null, null);
    }

    /** OAuth's space-separated {@code scope} string, or a JSON array ({@code scp}, {@code roles}). */
    static List<String> scopes(Object claim) {
        if (claim instanceof String s) return Arrays.stream(s.trim().split("\\s+")).filter(x -> !x.isEmpty()).toList();
        if (claim instanceof Collection<?> list) {
            List<String> out = new ArrayList<>();
            for (Object o : list) if (o instanceof String s) out.add(s);
            return out;
        }
        return List.of();
    }

    /** Only asymmetric JWS algorithms may be configured. */
    static Set<JWSAlgorithm> parseAlgorithms(List<String> names) {
        Set<JWSAlgorithm> out = new HashSet<>();
        for (String name : names) {
            JWSAlgorithm alg = JWSAlgorithm.parse(name.trim());
            if (!JWSAlgorithm.Family.RSA.contains(alg) && !JWSAlgorithm.Family.EC.contains(alg)
                    && !JWSAlgorithm.Family.ED.contains(alg)) {
                throw new IllegalArgumentException("AUTH_JWT_ALGORITHMS: " + name
                        + " is not an asymmetric JWS algorithm (allowed: RS*, PS*, ES*, EdDSA; never none or HS*)");
            }
            out.add(alg);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("AUTH_JWT_ALGORITHMS is empty");
        return out;
    }
}
