package dev.history.fulfillment;

import java.io.IOException;
import java.io.InputStream;
import okhttp3.Call;
import okhttp3.ResponseBody;

/**
 * Reads at most {@code limit} response bytes; when the body is longer the call is cancelled (the connection
 * is dropped instead of drained), so a webhook answering with an endless body cannot exhaust memory or hold
 * the call. Only the start of a body is ever used (token responses, error messages).
 */
final class LimitedBody {
    private LimitedBody() {}

    /** The first {@code limit} bytes of {@code body} (all of it when shorter); {@code call} is cancelled when cut. */
    static byte[] read(Call call, ResponseBody body, long limit) throws IOException {
        if (body == null) return new byte[0];
        int max = (int) Math.min(limit, Integer.MAX_VALUE - 8);
        InputStream in = body.byteStream();
        byte[] bytes = in.readNBytes(max);
        // At the limit: the rest is never read. Cancelling first makes closing the response drop the connection
        // at once rather than read the remainder to reuse it.
        if (bytes.length >= max) call.cancel();
        return bytes;
    }
}
