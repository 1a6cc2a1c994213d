package dev.history.common.http.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.UUID;

/**
 * Short-lived, single-customer stream tickets for {@code EventSource}, which cannot send headers: a
 * caller with {@code history:read} gets one for one username, and presents it as the {@code ticket}
 * query parameter of a stream route, which accepts it only for that username and only until it expires.
 * HS256 (nimbus) with a server key: {@code AUTH_TICKET_SECRET} when several instances share tickets,
 * otherwise a random key per process.
 */
public final class StreamTickets {
    static final String ISSUER = "history-pipeline/stream-ticket";
    private static final String USERNAME_CLAIM = "usr";

    private final byte[] secret;
    private final Duration ttl;
    private final Clock clock;

    public StreamTickets(String configuredSecret, Duration ttl, Clock clock) {
        if (configuredSecret != null) {
            this.secret = configuredSecret.getBytes(StandardCharsets.UTF_8);
        } else {
            this.secret = new byte[32];
            new SecureRandom().nextBytes(secret);
        }
        this.ttl = ttl;
        this.clock = clock;
    }

    public record Issued(String ticket, Instant expires) {}

    public Issued issue(Principal caller, String username) {
        Instant now = clock.instant();
        Instant expires = now.plus(ttl);
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(caller.name())
                .claim(USERNAME_CLAIM, username)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(expires))
                .jwtID(UUID.randomUUID().toString())
                .build();
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            jwt.sign(new MACSigner(secret));
            return new Issued(jwt.serialize(), expires);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a stream ticket", e);
        }
    }

    /** The principal a ticket stands for, valid only for {@code username} (the stream's query parameter). */
    public Principal verify(String ticket, String username) throws AuthFailure {
        try {
            SignedJWT jwt = SignedJWT.parse(ticket);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(new MACVerifier(secret))) {
                throw new AuthFailure("stream ticket signature is not valid");
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            if (!ISSUER.equals(claims.getIssuer())) throw new AuthFailure("not a stream ticket");
            Date exp = claims.getExpirationTime();
            if (exp == null || !exp.toInstant().isAfter(clock.instant())) throw new AuthFailure("stream ticket expired");
            String bound = claims.getStringClaim(USERNAME_CLAIM);
            if (bound == null || !bound.equals(username)) throw new AuthFailure("stream ticket is for another customer");
            return new Principal(claims.getSubject(), Principal.TICKET, EnumSet.of(Scope.HISTORY_READ), null, bound);
        } catch (ParseException | JOSEException e) {
            throw new AuthFailure("malformed stream ticket");
        }
    }
}
