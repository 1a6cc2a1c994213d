package dev.history.query;

import dev.history.common.Timestamps;
import dev.history.common.privacy.Privacy;
import dev.history.common.http.ApiError;
import dev.history.common.http.Responses;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * {@code GET /history?username=U}: the bare JSON array widgets read, oldest first. Large timelines
 * return the newest {@code limit} events; a {@code Link: <…>; rel="next"} header points at older ones.
 */
final class TimelineRoutes implements Consumer<JavalinConfig> {
    private final KeyLocator locator;
    private final ConsistentReads reads;
    private final int defaultLimit;
    private final int maxLimit;
    private final Privacy privacy;
    private final TimelineOpener opener;

    TimelineRoutes(KeyLocator locator, ConsistentReads reads, int defaultLimit, int maxLimit, Privacy privacy) {
        this.privacy = privacy;
        this.opener = new TimelineOpener(privacy);
        this.locator = locator;
        this.reads = reads;
        this.defaultLimit = defaultLimit;
        this.maxLimit = maxLimit;
    }

    @Override
    public void accept(JavalinConfig config) {
        config.routes.get("/history", this::read);
    }

    private void read(Context ctx) {
        TimelineQuery query = query(ctx);
        reads.serve(ctx, StoreNames.TIMELINE, query.username(), (partition, standby) -> answer(ctx, query, partition, standby));
    }

    private void answer(Context ctx, TimelineQuery query, int partition, boolean standby) {
        TimelinePage page = locator.read(StoreNames.TIMELINE, QueryableStoreTypes.<Bytes, byte[]>keyValueStore(),
                partition, standby, query::run);
        if (page.olderCursor() != null) ctx.header("Link", "<" + nextLink(ctx, page.olderCursor()) + ">; rel=\"next\"");
        Responses.rawJson(ctx, 200, opener.answer(query, page));
    }

    private TimelineQuery query(Context ctx) {
        String username = ctx.queryParam("username");
        if (username == null || username.isBlank()) throw ApiError.badField("username", "username is required");
        String before = ctx.queryParam("before");
        if (before != null && !before.matches("[A-Za-z0-9_-]{22}")) throw ApiError.badField("before", "invalid cursor");
        return new TimelineQuery(
                privacy.customer(username.trim()), // the store key: the customer's pseudonym
                limit(ctx.queryParam("limit")),
                time(ctx, "since", Long.MIN_VALUE),
                time(ctx, "until", Long.MAX_VALUE),
                before,
                lower(ctx.queryParam("source")),
                lower(ctx.queryParam("channel")));
    }

    private int limit(String text) {
        if (text == null || text.isBlank()) return defaultLimit;
        try {
            int limit = Integer.parseInt(text.trim());
            if (limit >= 1 && limit <= maxLimit) return limit;
        } catch (NumberFormatException ignored) {
            // fall through to the error
        }
        throw ApiError.badField("limit", "limit must be a whole number from 1 to " + maxLimit);
    }

    private static long time(Context ctx, String name, long fallback) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) return fallback;
        try {
            return Timestamps.parse(text).toEpochMilli();
        } catch (IllegalArgumentException e) {
            throw ApiError.badField(name, name + " must be ISO-8601 with an offset, e.g. 2026-01-31T12:00:00Z");
        }
    }

    private static String lower(String text) {
        return text == null || text.isBlank() ? null : text.trim().toLowerCase(Locale.ROOT);
    }

    /** The same query with the cursor of the next older page. */
    private static String nextLink(Context ctx, String cursor) {
        Map<String, String> params = new LinkedHashMap<>();
        ctx.queryParamMap().forEach((name, values) -> {
            if (!name.equals("before") && !values.isEmpty()) params.put(name, values.get(0));
        });
        params.put("before", cursor);
        StringBuilder link = new StringBuilder(ctx.path()).append('?');
        params.forEach((name, value) -> link.append(encode(name)).append('=').append(encode(value)).append('&'));
        link.setLength(link.length() - 1);
        return link.toString();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
