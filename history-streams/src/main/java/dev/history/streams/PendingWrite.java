package dev.history.streams;

import dev.history.common.JsonSerde;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import dev.history.query.StoreNames;

/**
 * The profile write whose alias decisions are still coming in, per username ({@link StoreNames#PENDING_WRITES}).
 * Only the latest write of a user is pending: a later write supersedes it.
 */
public record PendingWrite(String requestId, long profileOffset, int expected, int decided, List<String> refused) {
    static final Serde<PendingWrite> SERDE = JsonSerde.of(PendingWrite.class);

    PendingWrite decide(String alias, boolean refusedClaim) {
        List<String> nowRefused = new ArrayList<>(refused == null ? List.of() : refused);
        if (refusedClaim) nowRefused.add(alias);
        return new PendingWrite(requestId, profileOffset, expected, decided + 1, nowRefused);
    }

    boolean complete() {
        return decided >= expected;
    }
}
