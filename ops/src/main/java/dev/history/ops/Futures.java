package dev.history.ops;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for an admin-client future, turning failures into one operator-readable {@link OpsException}. */
final class Futures {
    private Futures() {}

    static <T> T get(Future<T> future, String what) {
        try {
            return future.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new OpsException("cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new OpsException("timed out trying to " + what + " (is Kafka reachable?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpsException("interrupted while trying to " + what, e);
        }
    }
}
