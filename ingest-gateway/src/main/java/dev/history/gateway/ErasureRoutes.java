package dev.history.gateway;

import dev.history.common.http.ApiError;
import dev.history.common.http.Responses;
import dev.history.common.privacy.Erasures;
import dev.history.common.privacy.KeyRecord;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code DELETE /customers/{username}} (admin): forgets a customer by crypto-shredding ({@link Erasures});
 * {@code 202 {"id","status"}} once the request is durable; {@code GET /customers/erasures/{id}} reads its
 * receipt. Deleting again is harmless and gets a new receipt.
 */
public final class ErasureRoutes implements Consumer<JavalinConfig> {
    private final Erasures erasures;

    public ErasureRoutes(Erasures erasures) {
        this.erasures = erasures;
    }

    @Override
    public void accept(JavalinConfig config) {
        config.routes.delete("/customers/{username}", this::forget);
        config.routes.get("/customers/erasures/{id}", this::receipt);
    }

    private void forget(Context ctx) {
        requireEnabled();
        String username = ctx.pathParam("username").trim();
        if (username.isEmpty() || username.length() > 256) throw ApiError.badField("username", "username must be 1 to 256 characters");
        KeyRecord receipt = erasures.request(username);
        ctx.header("Location", "/customers/erasures/" + receipt.erasure());
        Responses.json(ctx, 202, answer(receipt));
    }

    private void receipt(Context ctx) {
        requireEnabled();
        KeyRecord receipt = erasures.receipt(ctx.pathParam("id"))
                .orElseThrow(() -> new ApiError(404, "no erasure request " + ctx.pathParam("id"), Map.of("field", "id")));
        Responses.json(ctx, 200, answer(receipt));
    }

    private void requireEnabled() {
        if (!erasures.enabled()) {
            throw new ApiError(501, "erasure is not configured: set ERASURE_MASTER_KEYS and ERASURE_PEPPER", Map.of());
        }
    }

    private static Map<String, Object> answer(KeyRecord r) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("id", r.erasure());
        body.put("status", r.status());
        body.put("requestedAt", r.requestedAt());
        if (r.completedAt() != null) body.put("completedAt", r.completedAt());
        if (r.keysDeleted() != null) body.put("keysDeleted", r.keysDeleted());
        return body;
    }
}
