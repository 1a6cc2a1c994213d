package dev.history.common;

import com.github.f4b6a3.uuid.UuidCreator;
import java.util.UUID;
import java.util.regex.Pattern;

/** Record ids: time-ordered UUIDv7 by default; stable name-based ids where a retry must map to the same id. */
public final class Ids {
    private static final UUID NAMESPACE = UUID.fromString("4f0a1e52-6a3f-4d43-9c55-2f1c8f3f8a11");
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");

    private Ids() {}

    public static String next() {
        return UuidCreator.getTimeOrderedEpoch().toString();
    }

    /** The same inputs always give the same id (UUIDv5), e.g. an Idempotency-Key scoped to a customer. */
    public static String stable(String... parts) {
        return UuidCreator.getNameBasedSha1(NAMESPACE, String.join("\u0000", parts)).toString();
    }

    public static boolean isValidClientId(String id) {
        return id != null && CLIENT_ID.matcher(id).matches();
    }
}
