package dev.history.common.http.auth;

/**
 * One entry of the audit topic: who ({@code who} = a credential's name or a token's subject, never a
 * secret; {@code credential} = how they authenticated), what (method, route), which customer
 * ({@code username} and/or the lookup key used, e.g. {@code ani} + value), when, and the answer's status.
 * Keyed by username (else by the lookup key), so one customer's entries sit in one partition.
 */
public record AuditRecord(
        String time,
        String who,
        String credential,
        String action,
        String method,
        String route,
        String username,
        String lookupKind,
        String lookupValue,
        int status,
        String address) {

    public String key() {
        return username != null ? username : lookupKind + ":" + lookupValue;
    }
}
