package dev.history.common.http.auth;

import java.util.EnumSet;
import java.util.Set;

/**
 * Who made a request: a name safe to log and audit (an API key's name, a token's subject; never the
 * secret), how they proved it, what they may do, and their own rate limit if they have one.
 *
 * @param ticketUsername for a stream ticket, the one customer it is bound to; null otherwise
 */
public record Principal(String name, String kind, Set<Scope> scopes, RateLimit rateLimit, String ticketUsername) {
    public static final String API_KEY = "api-key";
    public static final String JWT = "jwt";
    public static final String INTROSPECTION = "introspection";
    public static final String TICKET = "stream-ticket";
    public static final String ANONYMOUS = "anonymous";

    public Principal {
        scopes = scopes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(scopes));
    }

    /** Requests on a system running without authentication. */
    public static Principal anonymous() {
        return new Principal("anonymous", ANONYMOUS, EnumSet.allOf(Scope.class), null, null);
    }

    public boolean has(Scope scope) {
        return scopes.contains(scope) || scopes.contains(Scope.ADMIN);
    }

    /** The bucket key for per-credential limits. */
    public String limitKey() {
        return kind + ":" + name;
    }
}
