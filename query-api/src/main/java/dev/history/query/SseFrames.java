package dev.history.query;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The bytes of Server-Sent Events messages (text/event-stream, UTF-8). */
final class SseFrames {
    static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.US_ASCII);

    private SseFrames() {}

    /**
     * The first message of a stream, {@code event: ready}: the reconnect delay and, for a client that
     * asked for nothing, the position it starts from as the message id (so a reconnect before the first
     * change still resumes exactly, and a page that opens a new EventSource knows where it was).
     * {@code resumed} tells a client whether this stream continues from its {@code Last-Event-ID}
     * (nothing to reload) or starts fresh (read {@code GET /history} now).
     */
    static byte[] opening(long retryMs, String username, long position, boolean resumed) {
        String data = new String(dev.history.common.Json.write(java.util.Map.of(
                "username", username, "position", position, "resumed", resumed)), StandardCharsets.UTF_8);
        String text = ": live timeline\nretry: " + retryMs + "\n" + (resumed ? "" : "id: " + position + "\n")
                + "event: ready\ndata: " + data + "\n\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code id: offset / event: type / data: json}; JSON has no raw line breaks, but split defensively. */
    static byte[] event(long id, String type, byte[] json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 48);
        out.writeBytes(("id: " + id + "\nevent: " + type + "\ndata: ").getBytes(StandardCharsets.US_ASCII));
        for (byte b : json) {
            if (b == '\n') out.writeBytes("\ndata: ".getBytes(StandardCharsets.US_ASCII));
            else if (b != '\r') out.write(b);
        }
        out.writeBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }
}
