package dev.history.common.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.history.common.Aliases;
import dev.history.common.Timestamps;

/** Query parameter parsers: lookup keys (ani/email/psid) and the since/until timestamps; only IllegalArgumentException may escape. */
class QueryParamFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void lookupKeysAndTimestamps(FuzzedDataProvider data) {
        String kind = data.pickValue(new String[] {Aliases.ANI, Aliases.EMAIL, Aliases.PSID});
        String value = data.consumeString(600);
        String key = Aliases.key(kind, value);
        if (key != null && !key.startsWith(kind + ":")) throw new AssertionError(key);
        try {
            Timestamps.parse(data.consumeRemainingAsString());
        } catch (IllegalArgumentException expected) {
            // a 400 naming the parameter
        }
    }
}
