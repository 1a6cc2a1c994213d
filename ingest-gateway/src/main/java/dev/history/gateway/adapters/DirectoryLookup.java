package dev.history.gateway.adapters;

import com.fasterxml.jackson.databind.DeserializationFeature;
import dev.history.common.CustomerProfile;
import dev.history.common.Json;
import dev.history.common.http.ApiError;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the read side's directory ({@code GET /getuserdata?ani|email|psid=…} of a query-api instance) who holds
 * an alias, without blocking the request thread: the JDK client's {@code sendAsync}. A 404 is "unknown"; any
 * other failure (timeout, 503 while the read side catches up, unreachable) is a 503 to retry.
 */
final class DirectoryLookup {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryLookup.class);

    private final HttpClient client;
    private final Supplier<URI> base;
    private final String token;
    private final Duration timeout;

    DirectoryLookup(Supplier<URI> base, String token, Duration timeout) {
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
        this.base = base;
        this.token = token;
        this.timeout = timeout;
    }

    /** The profile holding {@code kind:value}, empty when nobody does. */
    CompletableFuture<Optional<CustomerProfile>> find(String kind, String value) {
        URI root = base.get();
        if (root == null) {
            return CompletableFuture.failedFuture(ApiError.unavailable(
                    "identity resolution is not configured (DIRECTORY_LOOKUP_URL)", 30));
        }
        URI uri = URI.create(root + "/getuserdata?" + kind + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET().header("Accept", "application/json");
        if (token != null) request.header("Authorization", "Bearer " + token);
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray()).handle((response, error) -> {
            if (error != null) {
                LOG.warn("directory lookup of {} at {} failed: {}", kind, root, error.toString());
                throw ApiError.unavailable("the customer directory did not answer; retry", 1);
            }
            if (response.statusCode() == 404) return Optional.<CustomerProfile>empty();
            if (response.statusCode() != 200) {
                LOG.warn("directory lookup of {} at {} answered {}", kind, root, response.statusCode());
                throw ApiError.unavailable("the customer directory answered " + response.statusCode() + "; retry", 1);
            }
            try {
                return Optional.of(Json.MAPPER.readerFor(CustomerProfile.class)
                        .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).<CustomerProfile>readValue(response.body()));
            } catch (java.io.IOException e) {
                throw ApiError.unavailable("the customer directory's answer was not a profile; retry", 1);
            }
        });
    }
}
