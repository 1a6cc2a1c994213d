package dev.history.common.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Locale;

/**
 * CORS for the widgets, which call the API from the agent desktop's origin. Origins come from
 * {@code CORS_ORIGINS}; any origin ({@code *}, or nothing listed) only while authentication is off, and
 * with it on only the listed ones ({@code *} is refused at start by {@code AuthSettings}). Credentials are
 * bearer headers, never cookies, so {@code Access-Control-Allow-Credentials} is not sent: the request
 * headers a widget needs (Authorization, X-API-Key, …) are listed instead. Preflights never need a
 * credential and are cached by the browser for {@value #MAX_AGE_SECONDS} s.
 */
final class Cors {
    static final int MAX_AGE_SECONDS = 600;
    static final String ALLOWED_METHODS = "GET, POST, PUT, DELETE, OPTIONS";
    static final String ALLOWED_HEADERS =
            "Authorization, X-API-Key, Content-Type, Idempotency-Key, Consistency-Token, Last-Event-ID";
    static final String EXPOSED_HEADERS =
            "Consistency-Token, Retry-After, RateLimit, RateLimit-Policy, Link, WWW-Authenticate, Idempotent-Replayed";
    private static final String PREFLIGHT = "cors.preflight";

    private final List<String> origins;
    private final boolean anyOrigin;

    Cors(List<String> origins, boolean authenticationOn) {
        this.origins = origins.stream().filter(o -> !o.equals("*")).map(Cors::normalise).toList();
        this.anyOrigin = !authenticationOn && (origins.isEmpty() || origins.contains("*"));
    }

    void install(JavalinConfig config) {
        config.routes.before(this::before);
        // A preflight matches no route (404 by then): it is answered here, without any credential.
        config.routes.after(ctx -> {
            if (Boolean.TRUE.equals(ctx.attribute(PREFLIGHT))) ctx.status(200).result("");
        });
    }

    private void before(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null) return;
        ctx.res().addHeader("Vary", "Origin");
        if (!anyOrigin && !origins.contains(normalise(origin))) return; // no CORS headers: the browser blocks it
        ctx.header("Access-Control-Allow-Origin", anyOrigin ? "*" : origin);
        ctx.header("Access-Control-Expose-Headers", EXPOSED_HEADERS);
        if (HandlerType.OPTIONS.equals(ctx.method()) && ctx.header("Access-Control-Request-Method") != null) {
            ctx.header("Access-Control-Allow-Methods", ALLOWED_METHODS);
            ctx.header("Access-Control-Allow-Headers", ALLOWED_HEADERS);
            ctx.header("Access-Control-Max-Age", Integer.toString(MAX_AGE_SECONDS));
            ctx.attribute(PREFLIGHT, true);
        }
    }

    private static String normalise(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }
}
