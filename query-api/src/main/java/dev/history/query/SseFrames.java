package dev.history.query;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The bytes of Server-Sent Events messages (text/event-stream, UTF-8). */
final class SseFrames {
    static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.US_ASCII);

    private SseFrames() {}

    /**
     * The first block of a stream: the reconnect delay and, for a client that asked for nothing, the
     * position it starts from (an {@code id:} without data sets the browser's last event id without
     * firing an event, so a reconnect before the first change still resumes exactly).
     */
    static byte[] opening(long retryMs, Long position) {
        String text = ": live timeline\nretry: " + retryMs + "\n" + (position == null ? "" : "id: " + position + "\n") + "\n";
        return text.getBytes(StandardCharsets.US_ASCII);
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
