package dev.history.common.http.auth;

import dev.history.common.http.ApiError;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The before-matched handler every request to a route passes: looks the route up in {@link RouteScopes},
 * applies the address limit, authenticates, checks the scope and the credential's limit, all before the
 * route's handler reads any body. 401 (with {@code WWW-Authenticate}) for a missing or invalid credential,
 * 403 for a valid one without the scope, 429 over a limit; one error shape throughout. Unmatched paths
 * never get here (404), nor do CORS preflights (answered by {@code Cors}).
 */
final class Gate {
    static final String PRINCIPAL = "auth.principal";
    static final String RULE = "auth.rule";
    static final String ADDRESS = "auth.address";
    /** Set when the route's handler is allowed to run (it then reads the body). */
    static final String PASSED = "auth.passed";
    private static final Logger LOG = LoggerFactory.getLogger(Gate.class);
    private static final String REALM = "Bearer realm=\"history\"";

    private final boolean enforced;
    private final Authenticator authenticator;
    private final StreamTickets tickets;
    private final RateLimiter limiter;
    private final ClientAddress addresses;

    Gate(boolean enforced, Authenticator authenticator, StreamTickets tickets, RateLimiter limiter, ClientAddress addresses) {
        this.enforced = enforced;
        this.authenticator = authenticator;
        this.tickets = tickets;
        this.limiter = limiter;
        this.addresses = addresses;
    }

    void handle(Context ctx) {
        Endpoint endpoint = matched(ctx);
        if (endpoint == null) return;
        String address = addresses.of(ctx);
        ctx.attribute(ADDRESS, address);
        Optional<RouteRule> found = RouteScopes.rule(endpoint);
        if (found.isEmpty()) {
            if (enforced) {
                throw new ApiError(403, "route " + endpoint.method.name() + " " + endpoint.path + " has no declared scope",
                        Map.of("route", endpoint.path));
            }
            pass(ctx, Principal.anonymous());
            return;
        }
        RouteRule rule = found.get();
        ctx.attribute(RULE, rule);
        if (rule.isOpen() || !enforced) {
            pass(ctx, Principal.anonymous());
            return;
        }
        limiter.checkAddress(ctx, address);
        Credentials.Presented presented;
        Principal principal;
        try {
            presented = Credentials.from(ctx, rule.ticketAccepted());
            if (presented == null) throw unauthorized(ctx, "authentication required", null);
            limiter.checkFailedBudget(ctx, address);
            principal = presented.ticket()
                    ? tickets.verify(presented.value(), ctx.queryParam("username"))
                    : authenticator.authenticate(presented.value());
        } catch (AuthFailure failure) {
            limiter.recordFailure(address);
            LOG.info("authentication failed on {} {} from {}: {}", ctx.method(), endpoint.path, address, failure.getMessage());
            throw unauthorized(ctx, failure.getMessage(), "invalid_token");
        }
        ctx.attribute(PRINCIPAL, principal);
        if (!principal.has(rule.scope())) {
            ctx.header("WWW-Authenticate", REALM + ", error=\"insufficient_scope\", scope=\"" + rule.scope().id() + "\"");
            throw new ApiError(403, "this credential lacks the scope " + rule.scope().id(),
                    Map.of("scope", rule.scope().id(), "who", principal.name()));
        }
        limiter.checkCredential(ctx, principal);
        ctx.attribute(PASSED, true);
    }

    /** The route this request matched ({@code ctx.endpoint()} is the before-handler itself at this point). */
    static Endpoint matched(Context ctx) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        return endpoint != null && endpoint.method.isHttpMethod() ? endpoint : null;
    }

    private static void pass(Context ctx, Principal principal) {
        ctx.attribute(PRINCIPAL, principal);
        ctx.attribute(PASSED, true);
    }

    private static ApiError unauthorized(Context ctx, String reason, String error) {
        ctx.header("WWW-Authenticate", error == null ? REALM
                : REALM + ", error=\"" + error + "\", error_description=\"" + reason.replace('"', '\'') + "\"");
        return new ApiError(401, reason, Map.of("field", "Authorization"));
    }

    /** The principal of a request that passed the gate (anonymous when the system runs open). */
    static Principal principal(Context ctx) {
        Principal principal = ctx.attribute(PRINCIPAL);
        return principal == null ? Principal.anonymous() : principal;
    }
}
