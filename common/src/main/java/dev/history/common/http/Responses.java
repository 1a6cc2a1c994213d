package dev.history.common.http;

import dev.history.common.Json;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes JSON bodies with the shared mapper (one serialiser, one error shape). */
public final class Responses {
    private Responses() {}

    public static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(Json.write(body));
    }

    public static void rawJson(Context ctx, int status, byte[] body) {
        ctx.status(status).contentType("application/json").result(body);
    }

    /** The one error shape; a 503 also tells the client when to retry. */
    public static void error(Context ctx, ApiError e) {
        if (e.status() == 503) {
            ctx.header("Retry-After", String.valueOf(e.details().getOrDefault("retryAfterSeconds", 1)));
        }
        error(ctx, e.status(), e.getMessage(), e.details());
    }

    /** A refused item of a batch answer: the error shape plus the status it would have had alone. */
    public static Map<String, Object> item(ApiError e) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("error", e.getMessage());
        result.put("details", e.details());
        result.put("status", e.status());
        return result;
    }

    public static void error(Context ctx, int status, String message, Map<String, Object> details) {
        json(ctx, status, errorBody(message, details));
    }

    /** The one error shape, for the answers written below Javalin (Jetty's own: {@code JsonErrorPages}). */
    static Map<String, Object> errorBody(String message, Map<String, Object> details) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("details", details == null ? Map.of() : details);
        return body;
    }
}
