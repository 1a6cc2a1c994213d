package dev.history.common.privacy;

import dev.history.common.HistoryCommand;
import dev.history.common.HistoryEvent;
import java.util.concurrent.CompletableFuture;

/**
 * History commands as they go on {@code history-events}: keyed by the customer's pseudonym (also in the
 * value's {@code username}), with {@code note} and {@code link} sealed. Every writer of the topic goes
 * through here (gateway, adapters, fulfillment child events).
 */
public final class SealedHistory {
    private SealedHistory() {}

    public static CompletableFuture<HistoryCommand> seal(Privacy privacy, HistoryCommand command) {
        return seal(privacy, command, privacy.customer(command.username()));
    }

    /** @param customer {@code privacy.customer(command.username())}, when the caller has it already (an HMAC each) */
    public static CompletableFuture<HistoryCommand> seal(Privacy privacy, HistoryCommand command, String customer) {
        if (!privacy.enabled()) return CompletableFuture.completedFuture(command);
        if (command.event() == null) {
            return CompletableFuture.completedFuture(new HistoryCommand(command.type(), customer, null, command.origin()));
        }
        return privacy.sealerFor(customer).thenApply(seal -> {
            HistoryEvent e = command.event();
            HistoryEvent sealed = new HistoryEvent(e.id(), e.timestamp(), e.parent(), e.level(), e.channel(), e.source(),
                    seal.apply(e.note()), seal.apply(e.link()));
            return new HistoryCommand(command.type(), customer, sealed, command.origin());
        });
    }

    /** The event with its fields opened; throws {@link SealException} when the customer's key is gone. */
    public static HistoryEvent open(Privacy privacy, String customer, HistoryEvent e) {
        return new HistoryEvent(e.id(), e.timestamp(), e.parent(), e.level(), e.channel(), e.source(),
                privacy.open(customer, e.note()), privacy.open(customer, e.link()));
    }
}
