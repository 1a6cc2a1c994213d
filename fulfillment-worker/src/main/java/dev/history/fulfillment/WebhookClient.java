package dev.history.fulfillment;

import dev.history.common.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls one webhook once and classifies the result. The JDK client is asynchronous, so many calls are in
 * flight on a few threads. Redirects are never followed. Each call resolves the target through the
 * {@link AddressGuard} and connects to the checked IP (the original host goes in the {@code Host}
 * header, and for https in SNI and certificate checks), so a DNS answer cannot change after the check.
 */
public final class WebhookClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookClient.class);

    static {
        // Lets this client send the original Host header while connecting to a checked IP. Read once by the
        // JDK when its HTTP client first loads; if something loaded it earlier we fall back (see hostHeader).
        if (System.getProperty("jdk.httpclient.allowRestrictedHeaders") == null) {
            System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
        }
    }

    /** A raw HTTP answer (body truncated to the size limit). */
    record Response(int status, Map<String, List<String>> headers, byte[] body) {}

    private final AddressGuard guard;
    private final Duration connectTimeout;
    private final long maxResponseBytes;
    private final Clock clock;
    private final ExecutorService executor;
    private final HttpClient plain;
    private final Map<String, HttpClient> tlsByHost = new ConcurrentHashMap<>();
    private final TokenCache tokens;
    private volatile boolean hostHeaderAllowed = true;

    public WebhookClient(AddressGuard guard, Duration connectTimeout, long maxResponseBytes, Clock clock) {
        this.guard = guard;
        this.connectTimeout = connectTimeout;
        this.maxResponseBytes = maxResponseBytes;
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "webhook-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.plain = builder().build();
        this.tokens = new TokenCache(this::post, clock);
    }

    private HttpClient.Builder builder() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .executor(executor);
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
        return CompletableFuture.supplyAsync(() -> resolve(url), executor).thenCompose(address -> {
            HttpRequest.Builder rb = HttpRequest.newBuilder(pinned(url, address))
                    .timeout(timeout)
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
            headers.forEach(rb::header);
            if (!isLiteral(url.getHost()) && hostHeaderAllowed) {
                try {
                    rb.header("Host", url.getPort() < 0 ? url.getHost() : url.getHost() + ":" + url.getPort());
                } catch (IllegalArgumentException e) {
                    hostHeaderAllowed = false;
                    LOG.warn("the JDK HTTP client refuses a Host header (loaded before this worker set "
                            + "jdk.httpclient.allowRestrictedHeaders=host); webhooks now connect by host name after the check");
                }
            }
            HttpRequest httpRequest = hostHeaderAllowed || isLiteral(url.getHost())
                    ? rb.build() : rebuildByName(url, method, headers, body, timeout);
            return clientFor(url).sendAsync(httpRequest, LimitedBody.handler(maxResponseBytes))
                    // The JDK timeout stops at response headers; this also bounds reading the body.
                    .orTimeout(timeout.toMillis() * 2, java.util.concurrent.TimeUnit.MILLISECONDS)
                    .thenApply(r -> new Response(r.statusCode(), r.headers().map(), r.body()));
        });
    }

    private HttpRequest rebuildByName(URI url, String method, Map<String, String> headers, byte[] body, Duration timeout) {
        HttpRequest.Builder rb = HttpRequest.newBuilder(url).timeout(timeout)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(rb::header);
        return rb.build();
    }

    private InetAddress resolve(URI url) {
        try {
            return guard.resolve(url.getHost());
        } catch (UnknownHostException e) {
            throw new CompletionException(e);
        } catch (AddressGuard.Refused e) {
            throw new CompletionException(e);
        }
    }

    /** The URL with its host replaced by the checked address (unless the host name must stay, see above). */
    private URI pinned(URI url, InetAddress address) {
        if (isLiteral(url.getHost()) || !hostHeaderAllowed) return url;
        String host = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        String s = url.getScheme() + "://" + host + (url.getPort() < 0 ? "" : ":" + url.getPort())
                + (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        return URI.create(s);
    }

    /** https to a host name: a client whose TLS uses that name for SNI and certificate checks while connecting to the IP. */
    private HttpClient clientFor(URI url) {
        if (!"https".equalsIgnoreCase(url.getScheme()) || isLiteral(url.getHost()) || !hostHeaderAllowed) return plain;
        return tlsByHost.computeIfAbsent(url.getHost().toLowerCase(Locale.ROOT), host -> {
            try {
                SSLParameters params = SSLContext.getDefault().getDefaultSSLParameters();
                params.setServerNames(List.of(new SNIHostName(host)));
                params.setEndpointIdentificationAlgorithm("HTTPS");
                return builder().sslParameters(params).build();
            } catch (Exception e) {
                throw new IllegalStateException("cannot set up TLS for " + host, e);
            }
        });
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
        if (e instanceof AddressGuard.Refused) return new Outcome(Outcome.Kind.FAIL, null, latencyMs, started, e.getMessage(), null);
        if (e instanceof TokenCache.Rejected) return new Outcome(Outcome.Kind.FAIL, null, latencyMs, started, e.getMessage(), null);
        String error;
        if (e instanceof HttpConnectTimeoutException) error = "connect timed out";
        else if (e instanceof HttpTimeoutException || e instanceof TimeoutException) error = "timed out after " + task.timeout().toMillis() + " ms";
        else if (e instanceof ConnectException) error = "connection refused";
        else if (e instanceof UnknownHostException) error = "DNS lookup failed for " + task.url().getHost();
        else if (e instanceof IOException) error = "I/O error: " + e.getMessage();
        else error = e.getClass().getSimpleName() + ": " + e.getMessage();
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
        // The JDK wraps a refused connection as ConnectException inside an IOException chain at times.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException && !(e instanceof HttpTimeoutException)) return t;
        }
        return e;
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
        executor.shutdownNow();
    }

    static String bodyText(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }
}
