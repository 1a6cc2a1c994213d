package dev.history.common.http.auth;

import dev.history.common.privacy.Privacy;
import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Json;
import dev.history.common.Timestamps;
import io.javalin.http.Context;
import java.util.List;
import java.util.Locale;

/**
 * Turns a finished request on an audited route into an {@link AuditRecord}, from an after-handler, so
 * the route classes stay untouched. The customer comes from the path ({@code {username}}), the query
 * ({@code username}, or the lookup key {@code ani}/{@code email}/{@code psid}, plus the username a
 * successful lookup answered), or the body the handler already read (Javalin caches it). A body is only
 * looked at when the route's handler ran and did not refuse the body's size or type, so a rejected
 * request is never parsed here.
 */
final class AuditTrail {
    private static final List<String> LOOKUP_KINDS = List.of("ani", "email", "psid");
    private static final long MAX_BODY = 1024 * 1024;
    private static final int MAX_RESULT = 64 * 1024;

    private final AuditLog log;
    private final Privacy privacy;

    AuditTrail(AuditLog log) {
        this(log, Privacy.disabled());
    }

    /**
     * @param privacy with crypto-shredding on, the record names the customer by its pseudonym and a lookup
     *     value by its keyed hash (as the directory stores it), so a forgotten customer's audit records
     *     identify nobody; {@code ops audit --username} finds them by the same hash
     */
    AuditTrail(AuditLog log, Privacy privacy) {
        this.log = log;
        this.privacy = privacy;
    }

    void after(Context ctx) {
        RouteRule rule = ctx.attribute(Gate.RULE);
        if (rule == null || rule.audit() == RouteRule.Audit.NONE) return;
        try {
            log.record(build(ctx, rule));
        } catch (RuntimeException e) {
            // Auditing must never turn an answer into an error; the record is lost and the failure counted.
            log.record(new AuditRecord(Timestamps.now(), who(ctx), kind(ctx), rule.audit().name().toLowerCase(Locale.ROOT),
                    ctx.method().name(), Gate.matched(ctx) == null ? ctx.path() : Gate.matched(ctx).path, null, "unknown",
                    "unparsed", ctx.statusCode(), ctx.attribute(Gate.ADDRESS)));
        }
    }

    private AuditRecord build(Context ctx, RouteRule rule) {
        String username = clean(ctx.pathParamMap().get("username"));
        if (username == null) username = clean(ctx.queryParam("username"));
        String lookupKind = null;
        String lookupValue = null;
        for (String kind : LOOKUP_KINDS) {
            String value = clean(ctx.queryParam(kind));
            if (value != null) {
                lookupKind = kind;
                lookupValue = value;
                break;
            }
        }
        if (username == null && lookupKind != null && ctx.statusCode() == 200) username = fromResult(ctx);
        if (username == null && lookupKind == null && bodyWasRead(ctx)) username = fromBody(ctx);
        if (username == null && lookupKind == null) {
            lookupKind = "unknown";
            lookupValue = "unparsed";
        }
        String route = Gate.matched(ctx) == null ? ctx.path() : Gate.matched(ctx).path;
        if (privacy.pseudonymous()) {
            username = privacy.customer(username);
            if (lookupValue != null && LOOKUP_KINDS.contains(lookupKind)) {
                String alias = dev.history.common.Aliases.key(lookupKind, lookupValue);
                lookupValue = alias == null ? null : privacy.alias(alias).substring(lookupKind.length() + 1);
            }
        }
        return new AuditRecord(Timestamps.now(), who(ctx), kind(ctx), rule.audit().name().toLowerCase(Locale.ROOT),
                ctx.method().name(), route, username, lookupKind, lookupValue, ctx.statusCode(), ctx.attribute(Gate.ADDRESS));
    }

    private static String who(Context ctx) {
        Principal principal = ctx.attribute(Gate.PRINCIPAL);
        return principal == null ? "unauthenticated" : principal.name();
    }

    private static String kind(Context ctx) {
        Principal principal = ctx.attribute(Gate.PRINCIPAL);
        return principal == null ? null : principal.kind();
    }

    private static boolean bodyWasRead(Context ctx) {
        int status = ctx.statusCode();
        return Boolean.TRUE.equals(ctx.attribute(Gate.PASSED)) && status != 413 && status != 415
                && ctx.contentLength() <= MAX_BODY;
    }

    private static String fromBody(Context ctx) {
        if (ctx.isFormUrlencoded()) return clean(ctx.formParam("username"));
        byte[] body = ctx.bodyAsBytes();
        if (body.length == 0) return null;
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            return node != null && node.path("username").isValueNode() ? clean(node.get("username").asText()) : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static String fromResult(Context ctx) {
        String result = ctx.result();
        if (result == null || result.length() > MAX_RESULT) return null;
        try {
            JsonNode node = Json.MAPPER.readTree(result);
            return node != null && node.path("username").isTextual() ? clean(node.get("username").asText()) : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static String clean(String value) {
        if (value == null || value.isBlank()) return null;
        String v = value.trim();
        return v.length() > 256 ? v.substring(0, 256) : v;
    }
}
