package dev.history.query;

import dev.history.common.Env;

/**
 * Live timeline streams ({@code GET /history/stream}).
 *
 * @param heartbeatMs a comment line on every idle stream this often ({@code STREAM_HEARTBEAT_MS}, default 15000),
 *     so proxies keep the connection and a gone client is noticed; keep it below the HTTP idle timeout (30 s)
 * @param retryMs the reconnect delay a browser is told with {@code retry:} ({@code STREAM_RETRY_MS}, default 1000)
 * @param maxPerInstance open streams this instance serves or relays ({@code STREAM_MAX_PER_INSTANCE}, default 5000);
 *     beyond it, 503 + Retry-After (another instance may have room)
 * @param maxPerCustomer open streams of one customer on its owning instance ({@code STREAM_MAX_PER_CUSTOMER},
 *     default 20); beyond it, 429 + Retry-After
 * @param bufferEvents messages a stream may have waiting for a slow reader ({@code STREAM_BUFFER_EVENTS}, default
 *     256); a reader further behind is disconnected and resumes with {@code Last-Event-ID}
 */
public record StreamSettings(long heartbeatMs, long retryMs, int maxPerInstance, int maxPerCustomer, int bufferEvents) {

    public static StreamSettings from(Env env) {
        StreamSettings settings = new StreamSettings(
                env.getLong("STREAM_HEARTBEAT_MS", 15_000),
                env.getLong("STREAM_RETRY_MS", 1_000),
                env.getInt("STREAM_MAX_PER_INSTANCE", 5_000),
                env.getInt("STREAM_MAX_PER_CUSTOMER", 20),
                env.getInt("STREAM_BUFFER_EVENTS", 256));
        if (settings.heartbeatMs < 10) throw new IllegalArgumentException("STREAM_HEARTBEAT_MS must be at least 10");
        if (settings.bufferEvents < 1) throw new IllegalArgumentException("STREAM_BUFFER_EVENTS must be at least 1");
        return settings;
    }
}
