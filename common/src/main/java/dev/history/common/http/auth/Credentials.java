package dev.history.common.http.auth;

import io.javalin.http.Context;
import java.util.Locale;

/**
 * Where a request's credential is: {@code Authorization: Bearer <token>}, {@code X-API-Key: <key>}
 * (for low-code HTTP nodes that cannot set Authorization), or, on stream routes only, a {@code ticket}
 * query parameter. Bounded in size; never logged.
 */
final class Credentials {
    static final String API_KEY_HEADER = "X-API-Key";
    static final String TICKET_PARAM = "ticket";
    private static final int MAX_LENGTH = 8192;

    private Credentials() {}

    /** What was presented: a bearer token (API key or token) or a stream ticket. */
    record Presented(String value, boolean ticket) {}

    /** @return null when nothing was presented; throws when something unusable was */
    static Presented from(Context ctx, boolean ticketAccepted) throws AuthFailure {
        String authorization = ctx.header("Authorization");
        if (authorization != null && !authorization.isBlank()) {
            String a = authorization.trim();
            int space = a.indexOf(' ');
            if (space < 0 || !a.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
                throw new AuthFailure("unsupported Authorization scheme; use Bearer");
            }
            return new Presented(bounded(a.substring(space + 1).trim()), false);
        }
        String key = ctx.header(API_KEY_HEADER);
        if (key != null && !key.isBlank()) return new Presented(bounded(key.trim()), false);
        if (ticketAccepted) {
            String ticket = ctx.queryParam(TICKET_PARAM);
            if (ticket != null && !ticket.isBlank()) return new Presented(bounded(ticket.trim()), true);
        }
        return null;
    }

    private static String bounded(String value) throws AuthFailure {
        if (value.isEmpty()) throw new AuthFailure("empty credential");
        if (value.length() > MAX_LENGTH) throw new AuthFailure("credential longer than " + MAX_LENGTH + " characters");
        return value;
    }
}
