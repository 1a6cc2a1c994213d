package dev.history.common.http;

import io.javalin.config.JavalinConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** {@code GET /health/ready}: 200 when every named check passes, else 503 naming the failing ones. */
public final class Readiness {
    private Readiness() {}

    public static Consumer<JavalinConfig> route(Map<String, BooleanSupplier> checks) {
        Map<String, BooleanSupplier> ordered = new LinkedHashMap<>(checks);
        return config -> config.routes.get("/health/ready", ctx -> {
            Map<String, Object> results = new LinkedHashMap<>();
            boolean ready = true;
            for (Map.Entry<String, BooleanSupplier> check : ordered.entrySet()) {
                boolean ok = check.getValue().getAsBoolean();
                results.put(check.getKey(), ok ? "UP" : "DOWN");
                ready &= ok;
            }
            if (ready) {
                Responses.json(ctx, 200, Map.of("status", "UP", "checks", results));
            } else {
                Responses.error(ctx, new ApiError(503, "not ready", Map.of("checks", results, "retryAfterSeconds", 1)));
            }
        });
    }
}
