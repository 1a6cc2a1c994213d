package dev.history.bench;

import dev.history.common.Env;
import dev.history.common.http.HttpApp;
import dev.history.common.http.HttpSettings;
import dev.history.common.http.Responses;
import io.javalin.Javalin;
import java.util.HashMap;
import java.util.Map;

/**
 * The HTTP ceiling of reads: a Javalin app built by the services' own {@link HttpApp#create} (same Jetty
 * thread pool, error handling, CORS, request limits; no authentication or metrics parts) in the bench
 * JVM, whose {@code GET /history} answers a static byte array (the real 100-event answer) the way the
 * query API answers ({@link Responses#rawJson}). No store, no sealing: what the HTTP stack alone can do.
 */
final class HttpCeiling implements AutoCloseable {
    private final Javalin app;

    HttpCeiling(byte[] answer, Map<String, String> systemEnv) {
        Map<String, String> env = new HashMap<>();
        // The system's HTTP settings when the operator set them (HTTP_MAX_THREADS...), its defaults otherwise.
        systemEnv.forEach((k, v) -> {
            if (k.startsWith("HTTP_")) env.put(k, v);
        });
        env.put("HTTP_PORT", "0");
        HttpSettings settings = HttpSettings.from(Env.of(env));
        app = HttpApp.create(settings, config -> config.routes.get("/history", ctx -> Responses.rawJson(ctx, 200, answer)));
        app.start(0);
    }

    int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
