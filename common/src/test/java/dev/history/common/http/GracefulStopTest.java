package dev.history.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.Env;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A SIGTERM behind the proxy: the service reports not ready at once but keeps answering through the drain,
 * then stops accepting while the requests in flight still get their whole answers, and only then closes what
 * they needed. Whatever Jetty answers itself is the JSON error shape, never its HTML page.
 */
class GracefulStopTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void notReadyAtOnceServingThroughTheDrainAndRequestsInFlightFinishBeforeTheClientsClose() throws Exception {
        HttpSettings settings = new HttpSettings(0, List.of(), 1 << 20, 20, Duration.ofMillis(700), Duration.ofSeconds(10));
        GracefulStop stop = new GracefulStop();
        CountDownLatch slowStarted = new CountDownLatch(1);
        CompletableFuture<Void> slowMayFinish = new CompletableFuture<>();
        List<String> closed = new ArrayList<>();
        Javalin app = HttpApp.create(settings, Readiness.route(Map.of("accepting", stop::accepting)), config -> {
            config.routes.get("/fast", ctx -> Responses.json(ctx, 200, Map.of("ok", true)));
            config.routes.get("/slow", ctx -> {
                slowStarted.countDown();
                ctx.future(() -> slowMayFinish.thenRun(() -> Responses.json(ctx, 200, Map.of("finished", closed.isEmpty()))));
            });
        }).start("127.0.0.1", 0);
        int port = app.port();
        assertThat(get(port, "/health/ready").statusCode()).isEqualTo(200);

        // A keep-alive connection (a proxy's) opened before the stop, used again after HTTP began to stop.
        Socket keptAlive = new Socket(InetAddress.getLoopbackAddress(), port);
        assertThat(exchange(keptAlive, "/fast")).startsWith("HTTP/1.1 200 ");
        CompletableFuture<HttpResponse<String>> slow = CLIENT.sendAsync(request(port, "/slow"), HttpResponse.BodyHandlers.ofString());
        assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
        Thread stopping = stop.hook("test-stop", app, settings, () -> closed.add("kafka clients"));
        stopping.start();

        awaitStatus(port, "/health/ready", 503);
        assertThat(get(port, "/fast").statusCode()).as("still serving during the drain").isEqualTo(200);
        // After the drain HTTP stops: new connections are refused while the slow request is still in flight.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (accepts(port)) {
            assertThat(System.nanoTime()).as("connections refused after the drain").isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(closed).as("clients stay open while a request is in flight").isEmpty();
        String turnedAway = exchange(keptAlive, "/fast");
        assertThat(turnedAway).startsWith("HTTP/1.1 503 ").containsIgnoringCase("Retry-After: 1")
                .containsIgnoringCase("Content-Type: application/json").contains("{\"error\":\"this instance is stopping; retry\"");
        keptAlive.close();
        slowMayFinish.complete(null);
        HttpResponse<String> answer = slow.get(10, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("{\"finished\":true}");
        stopping.join(10_000);
        assertThat(closed).containsExactly("kafka clients");
    }

    @Test
    void whatJettyAnswersItselfIsTheJsonErrorShape() throws Exception {
        HttpSettings settings = HttpSettings.from(Env.of(Map.of())).withPort(0);
        Javalin app = HttpApp.create(settings, config ->
                config.routes.get("/broken", ctx -> ctx.res().sendError(500, "org.eclipse.jetty.io.EofException")))
                .start("127.0.0.1", 0);
        try {
            HttpResponse<String> broken = get(app.port(), "/broken");
            assertThat(broken.statusCode()).as(broken.body()).isEqualTo(503);
            assertThat(broken.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
            assertThat(broken.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(broken.body()).startsWith("{\"error\":").doesNotContain("EofException", "<html");

        } finally {
            app.stop();
        }
    }

    private static HttpRequest request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20)).build();
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return CLIENT.send(request(port, path), HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitStatus(int port, String path, int status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (get(port, path).statusCode() != status) {
            assertThat(System.nanoTime()).as("%s answering %d", path, status).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** One request on an open connection, its whole answer (headers and a Content-Length body) as text. */
    private static String exchange(Socket socket, String path) throws IOException {
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("connection closed after: " + head);
            head.append((char) b);
        }
        Matcher length = Pattern.compile("(?im)^content-length: *(\\d+)").matcher(head);
        byte[] body = in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
        return head + new String(body, StandardCharsets.UTF_8);
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
