package dev.history.fulfillment;

import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test-only crash hook: with {@code FULFILLMENT_TEST_HALT_AT=<point>} in the environment (never set in
 * production) the JVM halts, as kill -9 would (no shutdown hooks, no flush), when a transaction holding a
 * write of that kind has just committed ({@code accept}, {@code success}, {@code retry}, {@code fail},
 * {@code unreadable}, {@code redriven}) or, with the suffix {@code -uncommitted}, when its records are sent
 * but not yet committed. The crash-point test uses it to prove every step is recoverable.
 */
final class CrashPoints {
    private static final Logger LOG = LoggerFactory.getLogger(CrashPoints.class);
    private static final String POINT = System.getenv("FULFILLMENT_TEST_HALT_AT");

    private CrashPoints() {}

    static void committed(Collection<String> kinds) {
        check(kinds, "");
    }

    static void uncommitted(Collection<String> kinds) {
        check(kinds, "-uncommitted");
    }

    private static void check(Collection<String> kinds, String suffix) {
        if (POINT == null) return;
        for (String kind : kinds) {
            if (POINT.equals(kind + suffix)) {
                LOG.warn("FULFILLMENT_TEST_HALT_AT={}: halting now", POINT);
                Runtime.getRuntime().halt(137);
            }
        }
    }
}
