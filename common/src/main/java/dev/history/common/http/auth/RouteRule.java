package dev.history.common.http.auth;

/**
 * What one route needs: no credential ({@link #open()}), or a scope; whether a stream ticket is
 * accepted in place of a bearer credential; and whether the route reads or changes a customer's data
 * (then every call is written to the audit topic).
 */
public record RouteRule(Scope scope, boolean ticketAccepted, Audit audit) {

    public enum Audit { NONE, READ, CHANGE }

    public static RouteRule open() {
        return new RouteRule(null, false, Audit.NONE);
    }

    public static RouteRule needs(Scope scope) {
        return new RouteRule(scope, false, Audit.NONE);
    }

    public RouteRule audited(Audit kind) {
        return new RouteRule(scope, ticketAccepted, kind);
    }

    public RouteRule withTicket() {
        return new RouteRule(scope, true, audit);
    }

    public boolean isOpen() {
        return scope == null;
    }
}
