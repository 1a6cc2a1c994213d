package dev.history.fulfillment;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polls until a condition holds or a deadline passes (never a bare sleep as an assertion). */
final class Await {
    private Await() {}

    static <T> T until(Duration timeout, Supplier<T> probe, Predicate<T> done, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        while (true) {
            try {
                last = probe.get();
                if (done.test(last)) return last;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) throw e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last value: " + last);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }
}
