package dev.history.query;

import dev.history.common.ConsistencyToken;
import dev.history.common.http.ApiError;
import dev.history.common.http.Responses;
import io.javalin.http.Context;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a read to the instance that owns its key and relays the answer. A forwarded request carries
 * {@link #HOP_HEADER}; an instance that receives one for a key it does not own answers 503 instead of
 * forwarding again, so two instances with different views of ownership cannot bounce a request forever.
 */
final class Forwarder {
    static final String HOP_HEADER = "X-History-Forwarded";
    /** Marks an answer served from a standby copy because the owner was unreachable. */
    static final String STANDBY_HEADER = "X-History-Standby";
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    static boolean wasForwarded(Context ctx) {
        return ctx.header(HOP_HEADER) != null;
    }

    /**
     * Relays status, body and the paging/retry headers of the owner's answer. When the owner cannot be
     * reached and {@code standby} is given (non-null), answers from this instance's standby copy instead
     * of 503: the owner may have just died and the group not yet noticed.
     */
    void forward(Context ctx, HostInfo owner, Supplier<CompletableFuture<Void>> standby) {
        if (wasForwarded(ctx)) throw KeyLocator.moving();
        String query = ctx.queryString();
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + ctx.path() + (query == null ? "" : "?" + query));
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header(HOP_HEADER, "1");
        String token = ctx.header(ConsistencyToken.HEADER);
        if (token != null) builder.header(ConsistencyToken.HEADER, token); // the owner waits for the same position
        credentials(ctx, builder);
        HttpRequest request = builder.GET().build();
        CompletableFuture<HttpResponse<byte[]>> response = client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
        ctx.future(() -> response.handle((answer, error) -> {
            if (error != null) {
                LOG.warn("forwarding {} to owner {} failed{}: {}", ctx.path(), owner,
                        standby == null ? "" : ", answering from the local standby if it is complete", error.toString());
                if (standby == null) {
                    Responses.error(ctx, ApiError.unavailable("the instance owning this customer is unreachable", 1));
                    return CompletableFuture.<Void>completedFuture(null);
                }
                ctx.header(STANDBY_HEADER, "true");
                // A refused standby answer (503) reaches the exception mappers without the standby header.
                return standby.get().whenComplete((done, failure) -> {
                    if (failure != null) ctx.removeHeader(STANDBY_HEADER);
                });
            }
            if (answer.statusCode() >= 500 && answer.headers().firstValue("Retry-After").isEmpty()) {
                // The owner failed without the API's 503 (it was stopping, or something in between answered):
                // the client gets the promised 503 with Retry-After, never a bare 5xx.
                LOG.warn("owner {} answered {} to {} without Retry-After; answering 503", owner, answer.statusCode(), ctx.path());
                Responses.error(ctx, ApiError.unavailable("the instance owning this customer could not answer; retry", 1));
                return CompletableFuture.<Void>completedFuture(null);
            }
            ctx.status(answer.statusCode()).result(answer.body());
            answer.headers().firstValue("Content-Type").ifPresent(ctx::contentType);
            answer.headers().firstValue("Link").ifPresent(v -> ctx.header("Link", v));
            answer.headers().firstValue("Retry-After").ifPresent(v -> ctx.header("Retry-After", v));
            answer.headers().firstValue(STANDBY_HEADER).ifPresent(v -> ctx.header(STANDBY_HEADER, v));
            return CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(next -> next));
    }

    /** A GET to the owner for a check made while handling a write; never blocks the calling thread. */
    CompletableFuture<HttpResponse<byte[]>> getAsync(Context ctx, HostInfo owner, String pathAndQuery) {
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + pathAndQuery);
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).header(HOP_HEADER, "1");
        credentials(ctx, builder);
        return client.sendAsync(builder.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * The caller's own credential goes with the hop, so the owner applies the same scopes (with
     * authentication on, a hop without it would be a 401). Never logged.
     */
    static void credentials(Context ctx, HttpRequest.Builder builder) {
        for (String name : CREDENTIAL_HEADERS) {
            String value = ctx.header(name);
            if (value != null) builder.header(name, value);
        }
    }

    private static final java.util.List<String> CREDENTIAL_HEADERS = java.util.List.of("Authorization", "X-API-Key");
}
