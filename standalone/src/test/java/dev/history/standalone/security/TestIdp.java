package dev.history.standalone.security;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny identity provider for tests: serves a JWKS of nimbus-generated RSA and EC keys on loopback
 * (keys can be added later: rotation) and signs tokens, good and bad.
 */
public final class TestIdp implements AutoCloseable {
    public static final String ISSUER = "https://idp.test";
    public static final String AUDIENCE = "history-api";

    private final HttpServer server;
    private final List<JWK> published = new CopyOnWriteArrayList<>();
    private final AtomicInteger fetches = new AtomicInteger();
    public final RSAKey rsa;
    public final ECKey ec;

    public TestIdp() {
        try {
            rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
            ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
            published.add(rsa.toPublicJWK());
            published.add(ec.toPublicJWK());
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            byte[] body = new JWKSet(new ArrayList<>(published)).toString(true).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    public String jwksUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
    }

    public Map<String, String> env() {
        return Map.of("AUTH_JWKS_URL", jwksUrl(), "AUTH_JWT_ISSUER", ISSUER, "AUTH_JWT_AUDIENCE", AUDIENCE,
                "AUTH_JWKS_MIN_REFRESH_MS", "100");
    }

    public int fetches() {
        return fetches.get();
    }

    /** Publishes another key (rotation). */
    public void publish(JWK key) {
        published.add(key.toPublicJWK());
    }

    public static RSAKey newRsaKey(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static JWTClaimsSet.Builder claims(String subject, String scope) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject(subject).claim("scope", scope)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))));
    }

    public String sign(JWTClaimsSet claims) {
        return sign(rsa, claims);
    }

    public static String sign(JWK key, JWTClaimsSet claims) {
        try {
            JWSSigner signer = key instanceof ECKey e ? new ECDSASigner(e) : new RSASSASigner((RSAKey) key);
            JWSAlgorithm alg = key instanceof ECKey ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every kind of token that must be refused, by what is wrong with it. */
    public Map<String, String> badTokens(String scope) {
        Instant now = Instant.now();
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("expired", sign(claims("mallory", scope).expirationTime(Date.from(now.minus(Duration.ofMinutes(5)))).build()));
        bad.put("not yet valid", sign(claims("mallory", scope).notBeforeTime(Date.from(now.plus(Duration.ofMinutes(5)))).build()));
        // Same kid as the real key, signed with another: the signature does not verify.
        bad.put("wrongly signed", sign(newRsaKeyWithKid(rsa.getKeyID()), claims("mallory", scope).build()));
        bad.put("alg none", new PlainJWT(claims("mallory", scope).build()).serialize());
        bad.put("wrong issuer", sign(claims("mallory", scope).issuer("https://evil.test").build()));
        bad.put("wrong audience", sign(claims("mallory", scope).audience("another-api").build()));
        return bad;
    }

    private static RSAKey newRsaKeyWithKid(String kid) {
        return newRsaKey(kid);
    }

    @Override
    public void close() {
        server.stop(0);
    }

}
