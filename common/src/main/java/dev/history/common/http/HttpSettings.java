package dev.history.common.http;

import dev.history.common.Env;
import java.util.List;

/**
 * HTTP server settings shared by every service.
 *
 * @param corsOrigins allowed browser origins; {@code *} or none listed allows any while authentication is off
 *     (with it on, only the listed ones: see {@code Cors})
 * @param maxRequestBytes the largest body accepted (batches); single events have their own limit
 */
public record HttpSettings(int port, List<String> corsOrigins, long maxRequestBytes, int maxThreads) {

    public static HttpSettings from(Env env) {
        return new HttpSettings(
                env.getInt("HTTP_PORT", 8080),
                env.getList("CORS_ORIGINS", ""),
                env.getLong("HTTP_MAX_REQUEST_BYTES", 5L * 1024 * 1024),
                env.getInt("HTTP_MAX_THREADS", 200));
    }

    public HttpSettings withPort(int newPort) {
        return new HttpSettings(newPort, corsOrigins, maxRequestBytes, maxThreads);
    }
}
