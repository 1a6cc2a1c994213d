package dev.history.fulfillment;

import dev.history.common.HistoryCommand;
import dev.history.common.privacy.Privacy;
import dev.history.common.privacy.SealException;
import dev.history.common.privacy.SealedHistory;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What the worker seals before it writes (requests on the requests, retry and dead-letter topics, statuses,
 * child events) and opens after it reads. {@code username} and {@code msisdn} are sealed with the customer's
 * data key; the record keys are request ids already. Webhooks still receive the plaintext body: the worker
 * opens the request just before the call. Once the customer is forgotten, its requests cannot be opened (a
 * queued one is dead-lettered as unreadable, still sealed) and its statuses read as unknown (404).
 */
final class FulfillmentSealing {
    private final Privacy privacy;

    FulfillmentSealing(Privacy privacy) {
        this.privacy = privacy;
    }

    /** Completes once the customer has a data key here (at once when it has one or sealing is off). */
    java.util.concurrent.CompletableFuture<?> ready(String username) {
        return privacy.sealerFor(privacy.customer(username));
    }

    FulfillmentRequest seal(FulfillmentRequest r) {
        if (!privacy.enabled() || Privacy.isSealed(r.username())) return r;
        UnaryOperator<String> seal = sealer(r.username());
        return new FulfillmentRequest(r.id(), r.taskId(), r.taskName(), seal.apply(r.username()), seal.apply(r.msisdn()),
                r.preferredChannel(), r.eventParent(), r.createdAt());
    }

    /** @throws SealException when the customer was forgotten */
    FulfillmentRequest open(FulfillmentRequest r) {
        if (!Privacy.isSealed(r.username())) return r;
        return new FulfillmentRequest(r.id(), r.taskId(), r.taskName(), privacy.open(r.username()), privacy.open(r.msisdn()),
                r.preferredChannel(), r.eventParent(), r.createdAt());
    }

    FulfillmentStatus seal(FulfillmentStatus s) {
        if (s == null || !privacy.enabled() || Privacy.isSealed(s.username())) return s;
        return withUsername(s, sealer(s.username()).apply(s.username()));
    }

    /** The status with its username opened; empty when the customer was forgotten. */
    Optional<FulfillmentStatus> open(FulfillmentStatus s) {
        if (s == null || !Privacy.isSealed(s.username())) return Optional.ofNullable(s);
        try {
            return Optional.of(withUsername(s, privacy.open(s.username())));
        } catch (SealException e) {
            return Optional.empty();
        }
    }

    HistoryCommand seal(HistoryCommand command) {
        return SealedHistory.seal(privacy, command).join();
    }

    private UnaryOperator<String> sealer(String username) {
        return privacy.sealerFor(privacy.customer(username)).join();
    }

    private static FulfillmentStatus withUsername(FulfillmentStatus s, String username) {
        return new FulfillmentStatus(s.id(), s.task(), s.taskName(), username, s.state(), s.version(), s.attempts(),
                s.nextAttemptAt(), s.lastError(), s.createdAt(), s.updatedAt(), s.redrives());
    }
}
