package dev.history.query;

import dev.history.common.http.ApiError;
import dev.history.common.http.Responses;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays a live stream from the instance that owns the customer, byte for byte (the owner's ids,
 * heartbeats and {@code retry:} pass through). When the owner's stream ends or the owner dies, the
 * relayed stream ends too and the client reconnects with its last id, to whichever instance. A
 * refusal by the owner (429, 503, 400) is passed on as it came. Like {@link Forwarder}, a request that
 * was already forwarded once is not forwarded again.
 */
final class SseForwarder {
    private static final Logger LOG = LoggerFactory.getLogger(SseForwarder.class);

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private final TimelineHub hub;

    SseForwarder(TimelineHub hub) {
        this.hub = hub;
    }

    /** Takes over the instance slot the caller holds: it is released when the relayed stream ends. */
    void relay(Context ctx, HostInfo owner, String username) {
        if (Forwarder.wasForwarded(ctx)) throw KeyLocator.moving();
        String query = ctx.queryString();
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + ctx.path() + (query == null ? "" : "?" + query));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                .header(Forwarder.HOP_HEADER, "1").header("Accept", "text/event-stream").GET();
        Forwarder.credentials(ctx, request);
        String lastEventId = ctx.header("Last-Event-ID");
        if (lastEventId != null) request.header("Last-Event-ID", lastEventId);
        CompletableFuture<HttpResponse<Flow.Publisher<List<ByteBuffer>>>> response =
                client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofPublisher());
        ctx.future(() -> response.handle((answer, error) -> {
            if (error != null) {
                LOG.warn("relaying the stream of key={} from owner {} failed: {}", username, owner, error.toString());
                hub.release();
                Responses.error(ctx, ApiError.unavailable("the instance owning this customer is unreachable", 1));
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (answer.statusCode() != 200) return refusal(ctx, answer);
            SseConnection connection = hub.connection(ctx, username + " via " + owner, false);
            connection.onClose(hub::release);
            Relay relay = new Relay(connection);
            connection.onClose(relay::cancel);
            SseConnection.prepare(ctx);
            answer.body().subscribe(relay);
            return connection.start();
        }).thenCompose(next -> next));
    }

    private CompletableFuture<Void> refusal(Context ctx, HttpResponse<Flow.Publisher<List<ByteBuffer>>> answer) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        answer.body().subscribe(new Flow.Subscriber<>() {
            private final ByteArrayOutputStream body = new ByteArrayOutputStream();

            @Override public void onSubscribe(Flow.Subscription subscription) { subscription.request(Long.MAX_VALUE); }

            @Override public void onNext(List<ByteBuffer> buffers) {
                for (ByteBuffer buffer : buffers) {
                    byte[] bytes = new byte[buffer.remaining()];
                    buffer.get(bytes);
                    body.writeBytes(bytes);
                }
            }

            @Override public void onError(Throwable error) { onComplete(); }

            @Override public void onComplete() {
                hub.release();
                ctx.status(answer.statusCode()).result(body.toByteArray());
                answer.headers().firstValue("Content-Type").ifPresent(ctx::contentType);
                answer.headers().firstValue("Retry-After").ifPresent(v -> ctx.header("Retry-After", v));
                done.complete(null);
            }
        });
        return done;
    }

    /** Pulls upstream chunks one at a time into the client's bounded queue (a slow client is dropped). */
    private final class Relay implements Flow.Subscriber<List<ByteBuffer>> {
        private final SseConnection connection;
        private volatile Flow.Subscription subscription;
        private volatile boolean cancelled;

        Relay(SseConnection connection) {
            this.connection = connection;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            if (cancelled) subscription.cancel();
            else subscription.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            connection.touch();
            for (ByteBuffer buffer : buffers) {
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                if (!connection.send(bytes, true)) {
                    hub.dropSlow(connection);
                    return;
                }
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable error) {
            connection.close("upstream failed: " + error);
        }

        @Override
        public void onComplete() {
            connection.close("upstream ended");
        }

        void cancel() {
            cancelled = true;
            Flow.Subscription current = subscription;
            if (current != null) current.cancel();
        }
    }
}
