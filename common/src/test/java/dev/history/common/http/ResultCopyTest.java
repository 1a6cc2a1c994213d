package dev.history.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.Env;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Javalin copies a result into Jetty in pieces of {@link HttpApp#RESULT_COPY_BYTES} (smaller than its default, to
 * stop a 32 KiB buffer per answer): answers below, at, across and far above that size arrive whole, with the
 * headers set after the result, whether the route answers at once or in a future.
 */
class ResultCopyTest {
    @Test
    void answersOfEverySizeArriveWholeWithTheirHeaders() throws Exception {
        Javalin app = HttpApp.create(HttpSettings.from(Env.of(Map.of())).withPort(0), config -> {
            config.routes.get("/now/{size}", ctx -> {
                Responses.rawJson(ctx, 200, body(Integer.parseInt(ctx.pathParam("size"))));
                ctx.header("X-After", "set after the result");
            });
            config.routes.get("/later/{size}", ctx -> ctx.future(() -> CompletableFuture.supplyAsync(() -> {
                Responses.rawJson(ctx, 200, body(Integer.parseInt(ctx.pathParam("size"))));
                ctx.header("X-After", "set after the result");
                return null;
            })));
        }).start("127.0.0.1", 0);
        try {
            HttpClient client = HttpClient.newHttpClient();
            int piece = HttpApp.RESULT_COPY_BYTES;
            for (int size : new int[] {2, 60, piece - 1, piece, piece + 1, 3 * piece + 7, 32 * 1024, 1_000_000}) {
                for (String path : new String[] {"/now/", "/later/"}) {
                    HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + app.port() + path + size)).build(), HttpResponse.BodyHandlers.ofByteArray());
                    assertThat(response.statusCode()).as(path + size).isEqualTo(200);
                    assertThat(response.body()).as(path + size).isEqualTo(body(size));
                    assertThat(response.headers().firstValue("X-After")).as(path + size).hasValue("set after the result");
                    assertThat(response.headers().firstValue("Content-Type")).as(path + size).hasValueSatisfying(
                            type -> assertThat(type).startsWith("application/json"));
                }
            }
        } finally {
            app.stop();
        }
    }

    /** A JSON string of exactly {@code size} bytes whose content differs along its length. */
    private static byte[] body(int size) {
        StringBuilder s = new StringBuilder(size).append('"');
        for (int i = 1; i < size - 1; i++) s.append((char) ('a' + (i * 7) % 26));
        return s.append('"').toString().getBytes(StandardCharsets.UTF_8);
    }
}
