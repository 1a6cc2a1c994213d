package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.http.HttpApp;
import dev.history.common.http.HttpSettings;
import dev.history.common.http.Responses;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The front proxy (Debian's Caddy with deploy/Caddyfile, as docker-compose.yml and bin/pipeline cluster
 * run it) in the window between an instance's crash and the health check that notices it: every answer a
 * client gets is the upstream's own answer to the whole request, or a 503 with Retry-After in the JSON error
 * shape. Caddy up to 2.10 resends a retried request with an emptied body (caddyserver/caddy#5454, #7360):
 * the surviving instance read a truncated body and Jetty's HTML "500 EofException" page reached clients
 * of the chaos test, once even under status 200.
 */
class FrontProxyTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final List<Javalin> upstreams = new ArrayList<>();
    private Process caddy;
    private Path dir;

    @AfterEach
    void stop() throws Exception {
        if (caddy != null) {
            caddy.destroy();
            caddy.waitFor();
        }
        upstreams.forEach(Javalin::stop);
    }

    @Test
    void requestsWithBodiesAreAnsweredWholeOrWith503WhenAnInstanceHasJustDied() throws Exception {
        Javalin survivor = upstream();
        Javalin dying = upstream();
        int proxy = TestSystems.freePort();
        startCaddy(proxy, survivor.port(), dying.port());
        String body = "{\"username\":\"alice\",\"source\":\"ivr\",\"channel\":\"voice\",\"note\":\"" + "x".repeat(2_000) + "\"}";
        // Both instances answer through the proxy (its first health checks are done), then one dies.
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 20 && seen.size() < 2; i++) {
            seen.add(post(proxy, "/history", body).headers().firstValue("Instance").orElse(""));
        }
        assertThat(seen).containsExactlyInAnyOrder(Integer.toString(survivor.port()), Integer.toString(dying.port()));
        dying.stop();

        int whole = 0;
        int unavailable = 0;
        for (int i = 0; i < 40; i++) {
            for (String path : List.of("/history", "/fulfillment")) {
                HttpResponse<String> answer = post(proxy, path, body);
                String type = answer.headers().firstValue("Content-Type").orElse("");
                assertThat(type).as("%s answered %d: %s", path, answer.statusCode(), answer.body()).startsWith("application/json");
                if (answer.statusCode() == 503) {
                    assertThat(answer.headers().firstValue("Retry-After")).as("503 to %s", path).isPresent();
                    assertThat(answer.body()).contains("\"error\"");
                    unavailable++;
                } else {
                    assertThat(answer.statusCode()).as("%s: %s", path, answer.body()).isEqualTo(200);
                    assertThat(answer.body()).isEqualTo("{\"received\":" + body.length() + "}");
                    whole++;
                }
            }
        }
        // Half the requests went to the dead instance until the proxy stopped choosing it.
        assertThat(whole).isGreaterThan(40);
        System.out.printf("front proxy with one dead instance: %d whole answers, %d 503s%n", whole, unavailable);
    }

    private static HttpResponse<String> post(int port, String path, String body) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A service instance: reads the whole body of a write and says how many bytes it got. */
    private Javalin upstream() {
        Javalin app = HttpApp.create(HttpSettings.from(dev.history.common.Env.of(Map.of())).withPort(0), config -> {
            config.routes.get("/health/ready", ctx -> Responses.json(ctx, 200, Map.of("status", "UP")));
            for (String path : List.of("/history", "/fulfillment")) {
                config.routes.post(path, ctx -> {
                    ctx.header("Instance", Integer.toString(ctx.req().getLocalPort()));
                    Responses.json(ctx, 200, Map.of("received", ctx.bodyAsBytes().length));
                });
            }
        });
        app.start("127.0.0.1", 0);
        upstreams.add(app);
        return app;
    }

    /**
     * deploy/Caddyfile with its upstreams on loopback (as bin/cluster writes it) and health checks far apart,
     * so that the dead instance stays "healthy" to the active checks for the whole test: the worst case of
     * the window between a crash and the next check.
     */
    private void startCaddy(int port, int first, int second) throws Exception {
        dir = Files.createTempDirectory("front-proxy");
        String config = Files.readString(ROOT.resolve("deploy/Caddyfile"))
                .replaceFirst("(?m)^:8080 \\{", "{\n\tadmin off\n}\n\n:" + port + " {\n\tbind 127.0.0.1")
                .replaceAll("\\b[a-z]+-1:8080\\b", "127.0.0.1:" + first)
                .replaceAll("\\b[a-z]+-2:8080\\b", "127.0.0.1:" + second)
                .replaceAll("health_interval \\S+", "health_interval 1h");
        assertThat(config).doesNotContain(":8080");
        Path file = dir.resolve("Caddyfile");
        Files.writeString(file, config);
        ProcessBuilder builder = new ProcessBuilder("caddy", "run", "--adapter", "caddyfile", "--config", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("caddy.log").toFile());
        // Caddy keeps its state under HOME / XDG dirs: the test's own folder, never the user's.
        for (String var : List.of("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME")) builder.environment().put(var, dir.toString());
        caddy = builder.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!TestSystems.accepts(port)) {
            assertThat(caddy.isAlive()).as("caddy exited: %s", Files.readString(dir.resolve("caddy.log"))).isTrue();
            assertThat(System.nanoTime()).as("caddy listening on %d", port).isLessThan(deadline);
            Thread.sleep(50); // polling a port that is not yet open: nothing to wait on instead
        }
    }
}
