package dev.history.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.Env;
import dev.history.common.privacy.KeysUnavailableException;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * While the key topic cannot be read, a read that needs a key it has not seen must not answer as if the
 * key were gone (an incomplete timeline) nor with a 500: it is the promised 503 with Retry-After, whether
 * the route fails at once or in its future.
 */
class KeysUnavailableAnswerTest {
    @Test
    void anUnreadableKeyTopicIsA503WithRetryAfter() throws Exception {
        Javalin app = HttpApp.create(HttpSettings.from(Env.of(Map.of())).withPort(0), config -> {
            config.routes.get("/now", ctx -> {
                throw new KeysUnavailableException("key topic customer-keys not read to its end in PT10S", null);
            });
            config.routes.get("/later", ctx -> ctx.future(() -> CompletableFuture.supplyAsync(() -> {
                throw new KeysUnavailableException("cannot read the end of key topic customer-keys", null);
            })));
        }).start("127.0.0.1", 0);
        try {
            HttpClient client = HttpClient.newHttpClient();
            for (String path : new String[] {"/now", "/later"}) {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + app.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(path).isEqualTo(503);
                assertThat(response.headers().firstValue("Retry-After")).as(path).hasValue("2");
                assertThat(response.body()).as(path).startsWith("{\"error\":\"customer keys are not readable right now; retry\"");
            }
        } finally {
            app.stop();
        }
    }
}
