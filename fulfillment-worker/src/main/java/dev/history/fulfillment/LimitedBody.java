package dev.history.fulfillment;

import java.io.IOException;
import okhttp3.ResponseBody;

/**
 * Reads at most {@code limit} response bytes; when the body is that long, the rest is never read and the
 * connection is dropped instead of drained, so a webhook answering with an endless body cannot exhaust
 * memory or hold the call. Only the start of a body is ever used (token responses, error messages).
 */
final class LimitedBody {
    private LimitedBody() {}

    /** The first {@code limit} bytes of {@code body} (all of it when shorter); runs {@code drop} when cut there. */
    static byte[] read(ResponseBody body, long limit, Runnable drop) throws IOException {
        int max = (int) Math.min(limit, Integer.MAX_VALUE - 8);
        byte[] bytes = body.byteStream().readNBytes(max);
        if (bytes.length >= max) drop.run();
        return bytes;
    }
}
