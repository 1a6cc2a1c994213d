package dev.history.fulfillment;

import dev.history.common.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.Dns;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.ResponseBody;

/**
 * Calls one webhook once and classifies the result, on OkHttp: calls are enqueued (the caller never blocks).
 * The response body is read (up to the size limit) inside the call, by a network interceptor, so OkHttp's
 * callback only completes a {@link CompletableFuture} with an in-memory answer; the worker's completions
 * merely queue it for the poll thread. Redirects are never followed and OkHttp never repeats a call on its own. Every connection is
 * made through {@link GuardedDns}: the host is resolved by the {@link AddressGuard} and only the addresses
 * it checked are handed to OkHttp, so the connection goes to a checked IP while {@code Host}, SNI and the
 * certificate check use the original host name — per request, with no JVM-wide setting.
 */
public final class WebhookClient implements AutoCloseable {
    /** Where {@link #capture} parks a 503's {@code Retry-After} while OkHttp's follow-up logic looks at the response. */
    private static final String PARKED_RETRY_AFTER = "X-Webhook-Client-Retry-After";

    /** A raw HTTP answer (body truncated to the size limit); header names are case-insensitive. */
    record Response(int status, Map<String, List<String>> headers, byte[] body) {}

    /**
     * OkHttp's {@link Dns}: resolves through the guard and returns every resolved address, all checked, or
     * refuses. OkHttp connects only to what this returns; IP-literal URLs never reach a {@code Dns}, so
     * {@link #send} checks those itself.
     */
    static final class GuardedDns implements Dns {
        private final AddressGuard guard;

        GuardedDns(AddressGuard guard) {
            this.guard = guard;
        }

        @Override
        public List<InetAddress> lookup(String host) throws UnknownHostException {
            try {
                return guard.resolveAll(host);
            } catch (AddressGuard.Refused e) {
                throw new RefusedHost(e);
            }
        }
    }

    /** How a refusal crosses OkHttp's {@code Dns} contract (which only throws {@link UnknownHostException}). */
    static final class RefusedHost extends UnknownHostException {
        RefusedHost(AddressGuard.Refused cause) {
            super(cause.getMessage());
            initCause(cause);
        }
    }

    private final AddressGuard guard;
    private final long maxResponseBytes;
    private final Clock clock;
    private final ExecutorService executor;
    private final OkHttpClient http;
    private final TokenCache tokens;

    /**
     * @param maxCalls OkHttp's own limit on calls running at once, which bounds its threads (one per running
     *     call). The worker's {@link Dispatcher} admits at most this many deliveries, each with one call at a time.
     */
    public WebhookClient(AddressGuard guard, Duration connectTimeout, long maxResponseBytes, int maxCalls, Clock clock) {
        this.guard = guard;
        this.maxResponseBytes = maxResponseBytes;
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "webhook-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        okhttp3.Dispatcher dispatcher = new okhttp3.Dispatcher(executor);
        // Global backstop only: per-target limits (by host:port, which OkHttp's per-host-name limit cannot
        // express) and fair start order are the worker's Dispatcher's job.
        dispatcher.setMaxRequests(Math.max(1, maxCalls));
        dispatcher.setMaxRequestsPerHost(Math.max(1, maxCalls));
        this.http = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .dns(new GuardedDns(guard))
                .proxy(Proxy.NO_PROXY) // a proxy would resolve the name itself, past the guard
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(false) // no silent second POST; retries are the worker's, counted
                .protocols(List.of(Protocol.HTTP_1_1))
                .connectionPool(new ConnectionPool(Math.max(5, maxCalls), 30, TimeUnit.SECONDS))
                .connectTimeout(connectTimeout)
                // No per-read limits: each call's own timeout (set per call) bounds the whole exchange.
                .readTimeout(Duration.ZERO)
                .writeTimeout(Duration.ZERO)
                .addNetworkInterceptor(this::capture)
                .build();
        this.tokens = new TokenCache(this::post, clock);
    }

    /** The exact body a webhook receives. */
    static byte[] body(FulfillmentRequest r) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("preferredChannel", nullToEmpty(r.preferredChannel()));
        body.put("msisdn", nullToEmpty(r.msisdn()));
        body.put("username", nullToEmpty(r.username()));
        body.put("eventParent", nullToEmpty(r.eventParent()));
        return Json.write(body);
    }

    /** Delivers attempt {@code attempt} of {@code request} to {@code task}; never completes exceptionally. */
    public CompletableFuture<Outcome> deliver(Task task, FulfillmentRequest request, int attempt) {
        Instant started = clock.instant();
        long startNanos = System.nanoTime();
        CompletableFuture<Outcome> result = authorization(task)
                .thenCompose(auth -> call(task, request, attempt, auth)
                        .thenCompose(response -> {
                            if (response.status() == 401 && auth != null) {
                                // One refresh on 401: the token may have been revoked before its expiry.
                                tokens.invalidate(task, auth);
                                return authorization(task).thenCompose(fresh -> call(task, request, attempt, fresh));
                            }
                            return CompletableFuture.completedFuture(response);
                        }))
                .thenApply(response -> classify(response, started, elapsed(startNanos)))
                .exceptionally(e -> classify(unwrap(e), task, started, elapsed(startNanos)));
        return result;
    }

    private CompletableFuture<String> authorization(Task task) {
        if (task.oauth2() == null) return CompletableFuture.completedFuture(null);
        return tokens.token(task);
    }

    private CompletableFuture<Response> call(Task task, FulfillmentRequest request, int attempt, String bearer) {
        byte[] body = body(request);
        long timestamp = clock.instant().getEpochSecond();
        Map<String, String> headers = new LinkedHashMap<>(task.headers());
        headers.put("Content-Type", "application/json");
        headers.put("User-Agent", "history-fulfillment-worker/1.0");
        headers.put("webhook-id", request.id());
        headers.put("webhook-timestamp", Long.toString(timestamp));
        headers.put("webhook-attempt", Integer.toString(attempt));
        if (task.secret() != null) headers.put("webhook-signature", Signer.sign(task.secret(), request.id(), timestamp, body));
        if (bearer != null) headers.put("Authorization", "Bearer " + bearer);
        return send(task.url(), "POST", headers, body, task.timeout());
    }

    /** Used for token requests: same guard, limits and no redirects. */
    CompletableFuture<Response> post(URI url, Map<String, String> headers, byte[] body, Duration timeout) {
        return send(url, "POST", headers, body, timeout);
    }

    private CompletableFuture<Response> send(URI url, String method, Map<String, String> headers, byte[] body, Duration timeout) {
        Call call;
        try {
            // OkHttp asks no Dns for an IP literal (it connects to it as written): check it here.
            if (isLiteral(url.getHost())) guard.resolveAll(url.getHost());
            Request.Builder rb = new Request.Builder().url(url.toString())
                    // No media type: the Content-Type header is the caller's, byte for byte.
                    .method(method, RequestBody.create(body, null))
                    // Bodies are read as sent (no transparent gzip), so the size limit counts wire bytes.
                    .header("Accept-Encoding", "identity");
            headers.forEach(rb::header);
            call = http.newCall(rb.build());
        } catch (AddressGuard.Refused | IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        // The whole call: guarded lookup, connect, request, response headers and (truncated) body.
        call.timeout().timeout(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        CompletableFuture<Response> result = new CompletableFuture<>();
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                result.completeExceptionally(e);
            }

            @Override
            public void onResponse(Call c, okhttp3.Response response) {
                // The body is already in memory (see capture): nothing here waits on the network.
                try (response) {
                    Map<String, List<String>> names = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                    names.putAll(response.headers().toMultimap());
                    List<String> retryAfter = names.remove(PARKED_RETRY_AFTER);
                    if (retryAfter != null) names.put("retry-after", retryAfter);
                    result.complete(new Response(response.code(), names, response.body().bytes()));
                } catch (IOException | RuntimeException e) {
                    result.completeExceptionally(e);
                }
            }
        });
        return result;
    }

    /**
     * Network interceptor, inside the call (its timeout and its dispatcher slot): reads the body up to the
     * limit, dropping the connection when the body is longer, and hands on an in-memory copy. It also hides a
     * 503's {@code Retry-After} from OkHttp, which would otherwise repeat the request at once on
     * {@code Retry-After: 0} whatever its settings; the worker must see that 503 (it is an attempt, whose retry
     * is scheduled and counted), and {@link #send} puts the header back.
     */
    private okhttp3.Response capture(Interceptor.Chain chain) throws IOException {
        okhttp3.Response response = chain.proceed(chain.request());
        byte[] bytes;
        MediaType type;
        try (ResponseBody body = response.body()) {
            type = body.contentType();
            bytes = LimitedBody.read(body, maxResponseBytes, () -> drop(chain.connection()));
        }
        okhttp3.Response.Builder copy = response.newBuilder().body(ResponseBody.create(bytes, type));
        List<String> retryAfter = response.headers("Retry-After");
        if (response.code() == 503 && !retryAfter.isEmpty()) {
            copy.removeHeader("Retry-After");
            retryAfter.forEach(value -> copy.addHeader(PARKED_RETRY_AFTER, value));
        }
        return copy.build();
    }

    /** Closes a connection whose response was cut short, so closing the body does not read the rest to reuse it. */
    private static void drop(Connection connection) {
        if (connection == null) return;
        try {
            connection.socket().close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private Outcome classify(Response response, Instant started, long latencyMs) {
        int status = response.status();
        if (status >= 200 && status < 300) return new Outcome(Outcome.Kind.SUCCESS, status, latencyMs, started, null, null);
        if (status == 408 || status == 429 || status >= 500) {
            return new Outcome(Outcome.Kind.RETRY, status, latencyMs, started, null, retryAfter(response));
        }
        if (status >= 300 && status < 400) {
            String location = response.headers().getOrDefault("location", List.of("")).stream().findFirst().orElse("");
            return new Outcome(Outcome.Kind.FAIL, status, latencyMs, started, "redirect to " + location + " not followed", null);
        }
        return new Outcome(Outcome.Kind.FAIL, status, latencyMs, started, null, null);
    }

    private Outcome classify(Throwable e, Task task, Instant started, long latencyMs) {
        AddressGuard.Refused refused = find(e, AddressGuard.Refused.class);
        if (refused != null) return new Outcome(Outcome.Kind.FAIL, null, latencyMs, started, refused.getMessage(), null);
        if (e instanceof TokenCache.Rejected) return new Outcome(Outcome.Kind.FAIL, null, latencyMs, started, e.getMessage(), null);
        String error;
        if (e instanceof SocketTimeoutException && String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("connect")) {
            error = "connect timed out";
        } else if (e instanceof InterruptedIOException || e instanceof TimeoutException) {
            error = "timed out after " + task.timeout().toMillis() + " ms";
        } else if (find(e, ConnectException.class) != null) {
            error = "connection refused";
        } else if (e instanceof UnknownHostException) {
            error = "DNS lookup failed for " + task.url().getHost();
        } else if (e instanceof IOException) {
            error = "I/O error: " + e.getMessage();
        } else {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        return new Outcome(Outcome.Kind.RETRY, null, latencyMs, started, error, null);
    }

    /** {@code Retry-After} as seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(Response response) {
        String value = response.headers().entrySet().stream()
                .filter(h -> h.getKey().equalsIgnoreCase("retry-after"))
                .flatMap(h -> h.getValue().stream()).findFirst().orElse(null);
        if (value == null || value.isBlank()) return null;
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(Instant.now(), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException ignored) {
                return null;
            }
        }
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof java.util.concurrent.ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** {@code type} in {@code e}'s causes or suppressed exceptions (OkHttp attaches failed routes as suppressed). */
    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>(List.of(e));
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        while (!todo.isEmpty()) {
            Throwable t = todo.poll();
            if (!seen.add(t)) continue;
            if (type.isInstance(t)) return type.cast(t);
            if (t.getCause() != null) todo.add(t.getCause());
            todo.addAll(List.of(t.getSuppressed()));
        }
        return null;
    }

    private static boolean isLiteral(String host) {
        return host.startsWith("[") || host.matches("[0-9.]+") || host.contains(":");
    }

    private static long elapsed(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    @Override
    public void close() {
        http.dispatcher().cancelAll();
        executor.shutdownNow();
        http.connectionPool().evictAll();
    }

    static String bodyText(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }
}
