package dev.history.common.http.auth;

import dev.history.common.Env;
import dev.history.common.http.HttpApp;
import dev.history.common.http.HttpSettings;
import dev.history.common.http.Responses;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Small apps with table routes (and a stand-in stream route) for the auth tests of this module. */
final class TestApps {
    private TestApps() {}

    static Path keysFile(String... entries) {
        try {
            Path file = Files.createTempFile("keys", ".json");
            Files.writeString(file, "[" + String.join(",", entries) + "]");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String entry(String name, String key, String scopes, String rateLimit) {
        return "{\"name\":\"" + name + "\",\"hash\":\"" + ApiKeyFormat.hash(key) + "\",\"scopes\":[" + scopes + "]"
                + (rateLimit == null ? "" : ",\"rateLimit\":" + rateLimit) + "}";
    }

    /** An app with GET/POST /history and a stand-in for the SSE route {@code GET /history/stream}. */
    static Javalin start(Map<String, String> env, int port) {
        AuthSettings settings = AuthSettings.from(Env.of(env));
        return HttpApp.create(HttpSettings.from(Env.of(env)), Security.of(settings, null), config -> {
            config.routes.get("/history", ctx -> Responses.json(ctx, 200, List.of()));
            config.routes.post("/history", ctx -> Responses.json(ctx, 200, Map.of("id", "x")));
            config.routes.get("/history/stream", ctx -> ctx.contentType("text/event-stream")
                    .result("event: hello\ndata: " + Security.principal(ctx).name() + " " + ctx.queryParam("username") + "\n\n"));
        }).start(port);
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
