package dev.history.query;

import dev.history.common.Env;

/**
 * What the read side reads from the environment.
 *
 * @param advertisedHost how other instances reach this one ({@code ADVERTISED_HOST}, default {@code localhost});
 *     with the HTTP port it is the Streams {@code application.server} that reads are forwarded to
 * @param defaultLimit events per {@code GET /history} page unless {@code limit} says otherwise
 *     ({@code TIMELINE_DEFAULT_LIMIT}, default 1000)
 * @param maxLimit the largest {@code limit} accepted ({@code TIMELINE_MAX_LIMIT}, default 10000)
 * @param stream live timeline streams ({@code STREAM_*}, see {@link StreamSettings})
 * @param consistencyWaitMs how long a read presenting a {@code Consistency-Token} may wait for this
 *     instance to reach that position before answering 503 ({@code CONSISTENCY_WAIT_MS}, default 2000)
 */
public record QueryConfig(String advertisedHost, int defaultLimit, int maxLimit, StreamSettings stream, long consistencyWaitMs) {

    public static QueryConfig from(Env env) {
        return new QueryConfig(
                env.get("ADVERTISED_HOST", "localhost"),
                env.getInt("TIMELINE_DEFAULT_LIMIT", 1000),
                env.getInt("TIMELINE_MAX_LIMIT", 10_000),
                StreamSettings.from(env),
                env.getLong("CONSISTENCY_WAIT_MS", 2000));
    }
}
