package dev.history.fulfillment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A backlog of work that completes at once (dropped because its partition moved, as after a restart) used
 * to nest one pump per completion: deep enough, the stack overflowed, the completing future swallowed the
 * error and the slots stayed taken, so the worker stopped calling webhooks for good.
 */
class DispatcherTest {
    @Test
    void aLongBacklogOfCallsThatCompleteAtOnceRunsToTheEndAndFreesEverySlot() {
        Dispatcher dispatcher = new Dispatcher(4, 1);
        CompletableFuture<Object> first = new CompletableFuture<>();
        AtomicInteger ran = new AtomicInteger();
        dispatcher.submit("sink:80", () -> {
            ran.incrementAndGet();
            return first;
        });
        int backlog = 200_000;
        for (int i = 0; i < backlog; i++) {
            dispatcher.submit("sink:80", () -> {
                ran.incrementAndGet();
                return CompletableFuture.completedFuture(null);
            });
        }
        assertThat(ran.get()).as("only the first call holds the host's one slot").isEqualTo(1);

        first.complete(null);

        assertThat(ran.get()).isEqualTo(backlog + 1);
        assertThat(dispatcher.inFlight()).isZero();
        // The dispatcher still works afterwards.
        dispatcher.submit("sink:80", () -> {
            ran.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        });
        assertThat(ran.get()).isEqualTo(backlog + 2);
    }
}
