package dev.history.common.http.auth;

/**
 * What one route needs: no credential ({@link #open()}), or a scope; whether a stream ticket is
 * accepted in place of a bearer credential; and whether the route reads or changes a customer's data
 * (then every call is written to the audit topic). A {@link #signedByCaller()} route takes no API key or
 * token either: the handler itself verifies the request's signature (a platform webhook) and refuses an
 * unsigned one with 401, so the gate lets it through like an open route.
 */
public record RouteRule(Scope scope, boolean ticketAccepted, Audit audit, boolean signed) {

    public enum Audit { NONE, READ, CHANGE }

    public static RouteRule open() {
        return new RouteRule(null, false, Audit.NONE, false);
    }

    /** Authenticated by the request's own signature, verified by the route's handler (not by the gate). */
    public static RouteRule signedByCaller() {
        return new RouteRule(null, false, Audit.NONE, true);
    }

    public static RouteRule needs(Scope scope) {
        return new RouteRule(scope, false, Audit.NONE, false);
    }

    public RouteRule audited(Audit kind) {
        return new RouteRule(scope, ticketAccepted, kind, signed);
    }

    public RouteRule withTicket() {
        return new RouteRule(scope, true, audit, signed);
    }

    public boolean isOpen() {
        return scope == null;
    }
}
