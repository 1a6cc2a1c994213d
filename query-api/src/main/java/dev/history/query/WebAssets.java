package dev.history.query;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The agent-desktop widgets ({@code /widgets/*.js}) and the supervisors' page ({@code /ui/}), served
 * from the classpath ({@code /web/...}). A fixed list of files, read once: nothing outside it can be
 * asked for, and no build step is involved.
 */
final class WebAssets implements Consumer<JavalinConfig> {
    private static final Map<String, String> FILES = Map.of(
            "/widgets/customer-history.js", "text/javascript; charset=utf-8",
            "/widgets/fulfillment-tasks.js", "text/javascript; charset=utf-8",
            "/widgets/history-client.js", "text/javascript; charset=utf-8",
            "/ui/index.html", "text/html; charset=utf-8",
            "/ui/ui.js", "text/javascript; charset=utf-8");

    private final Map<String, byte[]> content = new LinkedHashMap<>();

    WebAssets() {
        FILES.keySet().forEach(path -> content.put(path, load("/web" + path)));
    }

    @Override
    public void accept(JavalinConfig config) {
        FILES.forEach((path, type) -> config.routes.get(path, ctx -> serve(ctx, path, type)));
        // Trailing slashes are ignored by the router: this is /ui and /ui/ (the page uses absolute paths).
        config.routes.get("/ui", ctx -> serve(ctx, "/ui/index.html", FILES.get("/ui/index.html")));
    }

    private void serve(Context ctx, String path, String type) {
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Content-Type-Options", "nosniff");
        if (path.endsWith(".html")) {
            // The page loads only its own scripts and talks only to this origin.
            ctx.header("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
        }
        ctx.contentType(type).result(content.get(path));
    }

    private static byte[] load(String resource) {
        try (InputStream in = WebAssets.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException(resource + " missing from the classpath");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
