package dev.history.common.http;

import dev.history.common.http.auth.Security;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.HttpResponseException;
import io.javalin.router.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds an unstarted Javalin app with what every service shares: its {@link Security} (listen address,
 * TLS, authentication, scopes, rate limits, audit), CORS (preflight included), the one JSON error shape
 * for every failure, {@code /health/live}, and the services' own routes.
 */
public final class HttpApp {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApp.class);

    /** The whole system's HTTP API (every service serves the same document). */
    private static final byte[] OPENAPI = openApi();

    private HttpApp() {}

    private static byte[] openApi() {
        try (InputStream in = HttpApp.class.getResourceAsStream("/openapi.json")) {
            if (in == null) throw new IllegalStateException("openapi.json missing from the classpath");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An app without security settings: no credentials, so loopback only (tests, tools). */
    @SafeVarargs
    public static Javalin create(HttpSettings settings, Consumer<JavalinConfig>... parts) {
        return create(settings, Security.local(), parts);
    }

    /** The piece in which Javalin copies a result into Jetty's output buffer. */
    static final int RESULT_COPY_BYTES = 4096;

    @SafeVarargs
    public static Javalin create(HttpSettings settings, Security security, Consumer<JavalinConfig>... parts) {
        return Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = settings.maxRequestBytes();
            // Javalin copies each result to Jetty through a new buffer of this size (it defaults to Jetty's 32 KiB
            // output buffer): 32 KiB of garbage per answer, most of which are under 1 KiB (issue 14). Jetty's own
            // buffer keeps its size; big answers are copied in a few more pieces.
            config.http.responseBufferSize = RESULT_COPY_BYTES;
            config.appData(RequestBodies.SERVER_LIMIT, settings.maxRequestBytes());
            config.router.ignoreTrailingSlashes = true;
            QueuedThreadPool pool = new QueuedThreadPool(settings.maxThreads(), Math.min(8, settings.maxThreads()));
            pool.setName("http");
            config.jetty.threadPool = pool;
            // Stopping waits for requests in flight (GracefulStop drains first); what Jetty answers itself is JSON.
            config.jetty.modifyServer(server -> {
                server.setHandler(new StoppingHandler());
                server.setStopTimeout(settings.shutdownGrace().toMillis());
                server.setErrorHandler(new JsonErrorPages());
            });
            config.jetty.modifyServletContextHandler(context -> context.setErrorHandler(new JsonErrorPages()));
            new Cors(settings.corsOrigins(), security.settings().enforced()).install(config);
            security.install(config);
            errors(config);
            config.routes.get("/health/live", ctx -> Responses.json(ctx, 200, Map.of("status", "UP")));
            config.routes.get("/openapi.json", ctx -> Responses.rawJson(ctx, 200, OPENAPI));
            for (Consumer<JavalinConfig> part : parts) part.accept(config);
        });
    }

    /** Every HTTP route registered in a built app (method and path; no before/after handlers), e.g. for checking them all. */
    public static List<Endpoint> routes(Javalin app) {
        return app.unsafe.internalRouter.allHttpHandlers().stream().map(p -> p.endpoint)
                .filter(e -> e.method.isHttpMethod()).toList();
    }

    private static void errors(JavalinConfig config) {
        config.routes.exception(ApiError.class, (e, ctx) -> Responses.error(ctx, e));
        config.routes.exception(HttpResponseException.class, (e, ctx) ->
                Responses.error(ctx, e.getStatus(), e.getMessage(), Map.of()));
        // The connection ended before the body did (the client or a proxy gave up): nothing was read, nothing
        // written; one line, not a stack trace, and the error shape should anyone still be listening.
        config.routes.exception(EofException.class, (e, ctx) -> {
            LOG.warn("{} {}: the request body ended early; nothing written", ctx.method(), ctx.path());
            Responses.error(ctx, 400, "the request body ended before its declared length", Map.of());
        });
        // Whether a customer's key exists is unknown while the key topic is unreadable: the promised 503.
        config.routes.exception(dev.history.common.privacy.KeysUnavailableException.class, (e, ctx) -> {
            LOG.warn("{} {}: {}", ctx.method(), ctx.path(), e.getMessage());
            Responses.error(ctx, new ApiError(503, "customer keys are not readable right now; retry", Map.of("retryAfterSeconds", 2)));
        });
        config.routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("unhandled error on {} {}", ctx.method(), ctx.path(), e);
            Responses.error(ctx, 500, "internal error", Map.of());
        });
        // Error handlers also run after our own 404 answers (unknown customer): keep those, fill in the rest.
        config.routes.error(404, ctx -> {
            String type = ctx.res().getContentType();
            if (type == null || !type.startsWith("application/json")) {
                Responses.error(ctx, 404, "no route for " + ctx.method() + " " + ctx.path(), Map.of());
            }
        });
        config.routes.error(405, ctx -> Responses.error(ctx, 405, "method not allowed", Map.of()));
    }
}
