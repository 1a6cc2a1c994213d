package dev.history.fulfillment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.EventRules;
import dev.history.common.Ids;
import dev.history.common.Json;
import dev.history.common.SourceRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The redrive marker in the record formats: ordering of status records, old records, child event ids. */
class RedriveStatusTest {
    private static final FulfillmentRequest REQUEST = new FulfillmentRequest("req-1", "replace-card", "Replace card",
            "alice", "1555", "sms", "", "2026-11-20T10:00:00Z");
    private static final ChildEvents CHILD = new ChildEvents(new EventRules(SourceRegistry.defaults()), "agent");

    @Test
    void aRedrivenChainSupersedesTheFailedOneAndNeverMovesBack() {
        FulfillmentStatus.Attempt a = new FulfillmentStatus.Attempt(1, 500, 3, "2026-11-20T10:00:01Z", "retry", "HTTP 500");
        FulfillmentStatus failed = FulfillmentStatus.pending(REQUEST).after(a, FulfillmentStatus.RETRYING, null, "t")
                .after(a, FulfillmentStatus.FAILED, null, "t");
        FulfillmentStatus started = FulfillmentStatus.redriven(REQUEST, 1, "2026-11-21T00:00:00Z");
        FulfillmentStatus firstAttempt = started.after(a, FulfillmentStatus.SUCCEEDED, null, "t");

        assertThat(started.newerThan(failed)).isTrue();
        assertThat(failed.newerThan(started)).isFalse();
        assertThat(firstAttempt.newerThan(started)).isTrue();
        assertThat(firstAttempt.version()).isEqualTo(1);
        assertThat(firstAttempt.redrives()).isEqualTo(1);

        try (StatusStore view = new StatusStore(null, "unused", tempStateDir())) {
            view.apply(failed);
            view.apply(firstAttempt);
            view.apply(started);
            view.apply(failed);
            assertThat(view.get("req-1")).contains(firstAttempt);
        }
    }

    private static java.nio.file.Path tempStateDir() {
        try {
            return java.nio.file.Files.createTempDirectory("status-store");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void recordsWrittenBeforeRedrivesReadAsTheOriginalChain() {
        byte[] oldStatus = """
                {"id":"req-1","task":"replace-card","taskName":"Replace card","username":"alice","state":"failed",
                 "version":2,"attempts":[],"createdAt":"2026-11-20T10:00:00Z","updatedAt":"2026-11-20T10:00:02Z"}
                """.getBytes(StandardCharsets.UTF_8);
        assertThat(Json.read(oldStatus, FulfillmentStatus.class).redrives()).isZero();
        byte[] oldRetry = Json.write(new RetryRecord(REQUEST, 2, 0, new RetryRecord.Origin("t", 0, 1)));
        assertThat(Json.read(oldRetry, RetryRecord.class).redrive()).isNull();
    }

    @Test
    void childEventIdsOfTheOriginalChainAreUnchangedAndRedrivenChainsGetTheirOwn() {
        Outcome outcome = new Outcome(Outcome.Kind.RETRY, 500, 3, java.time.Instant.now(), null, null);
        java.time.Instant next = java.time.Instant.now();
        assertThat(CHILD.attemptFailed(REQUEST, 1, outcome, next).event().id())
                .isEqualTo(Ids.stable("req-1", "attempt", "1"));
        assertThat(CHILD.failed(REQUEST, 2, "x").event().id()).isEqualTo(Ids.stable("req-1", "failed"));
        List<String> redriven = List.of(
                CHILD.redriven(REQUEST, 1).event().id(),
                CHILD.attemptFailed(REQUEST, 1, 1, outcome, next).event().id(),
                CHILD.failed(REQUEST, 1, 2, "x").event().id(),
                CHILD.succeeded(REQUEST, 1, 1).event().id(),
                CHILD.redriven(REQUEST, 2).event().id(),
                CHILD.failed(REQUEST, 2, 2, "x").event().id());
        assertThat(redriven).doesNotHaveDuplicates()
                .doesNotContain(Ids.stable("req-1", "failed"), Ids.stable("req-1", "attempt", "1"));
        assertThat(CHILD.redriven(REQUEST, 1).event().note()).isEqualTo("Replace card redriven");
        assertThat(CHILD.redriven(REQUEST, 2).event().note()).isEqualTo("Replace card redriven (2 times)");
    }
}
