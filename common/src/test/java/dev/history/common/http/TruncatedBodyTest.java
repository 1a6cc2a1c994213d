package dev.history.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.Env;
import io.javalin.Javalin;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A body that ends before its Content-Length (a client or proxy gave up mid-request, as Caddy's retries did)
 * is refused with the one JSON error shape, never Jetty's HTML error page, and the handler never sees it.
 */
class TruncatedBodyTest {
    @Test
    void aBodyShorterThanItsContentLengthIsA400InTheErrorShape() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        Javalin app = HttpApp.create(HttpSettings.from(Env.of(Map.of())).withPort(0), config ->
                config.routes.post("/history", ctx -> {
                    byte[] body = ctx.bodyAsBytes();
                    handled.incrementAndGet();
                    Responses.json(ctx, 200, Map.of("received", body.length));
                })).start("127.0.0.1", 0);
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), app.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /history HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"username\":\"al").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.shutdownOutput();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 400 ");
            assertThat(answer).containsIgnoringCase("Content-Type: application/json");
            assertThat(answer).contains("{\"error\":\"the request body ended before its declared length\"");
            assertThat(handled).hasValue(0);
        } finally {
            app.stop();
        }
    }
}
