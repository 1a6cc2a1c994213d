package dev.history.gateway.adapters;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.history.common.http.ApiError;
import dev.history.common.http.RequestBodies;
import java.time.Clock;
import java.time.Duration;

/**
 * The adapters' parsers of outside input with hostile bytes: a CloudEvents batch (each element read by the SDK),
 * a Webex Contact Center notification and its timeline, and the signature check. Each either succeeds or refuses
 * with a 4xx {@link ApiError}: never another exception.
 */
class AdapterInputFuzzTest {
    private static final WebexSignature SIGNATURE = new WebexSignature("fuzz-secret", Duration.ofMinutes(5), Clock.systemUTC());

    @FuzzTest(maxDuration = "15s")
    void hostileEventsAndNotifications(FuzzedDataProvider data) {
        String signature = data.consumeString(80);
        String timestamp = data.consumeBoolean() ? data.consumeString(20) : null;
        byte[] body = data.consumeRemainingAsBytes();
        refusedOr4xx(() -> new CloudEventReader().batch(body, 20).forEach(item -> {
            if (item.error() != null) check(item.error());
            else CloudEventIngest.historyId(item.event());
        }));
        refusedOr4xx(() -> TaskTimeline.events(TaskNotification.parse(RequestBodies.jsonObject(body))));
        refusedOr4xx(() -> SIGNATURE.verify(signature, timestamp, body));
        refusedOr4xx(() -> SIGNATURE.verify(WebexSignature.sign("fuzz-secret", body), timestamp, body));
    }

    private static void refusedOr4xx(Runnable parse) {
        try {
            parse.run();
        } catch (ApiError e) {
            check(e);
        }
    }

    private static void check(ApiError e) {
        if (e.status() < 400 || e.status() >= 500) throw new AssertionError("status " + e.status() + ": " + e.getMessage());
    }
}
