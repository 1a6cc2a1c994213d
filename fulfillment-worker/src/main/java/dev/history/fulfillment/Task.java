package dev.history.fulfillment;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * One catalog entry: a button in the widget and the webhook behind it. {@code url} is null when the
 * entry has none (such a task cannot be requested). Secrets never appear in {@link #toString()}.
 *
 * @param secret Standard Webhooks signing key (raw bytes), or null for unsigned deliveries
 */
public record Task(
        String id,
        String name,
        URI url,
        boolean active,
        byte[] secret,
        Map<String, String> headers,
        Duration timeout,
        RetryPolicy retry,
        OAuth2Settings oauth2) {

    public boolean requestable() {
        return active && url != null;
    }

    @Override
    public String toString() {
        return "Task[id=" + id + ", name=" + name + ", url=" + url + ", active=" + active
                + ", signed=" + (secret != null) + ", headers=" + headers.keySet() + ", timeout=" + timeout
                + ", oauth2=" + (oauth2 != null) + "]";
    }
}
