package dev.history.common.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.history.common.ConsistencyToken;
import dev.history.common.http.ApiError;

/**
 * The {@code Consistency-Token} header / {@code consistency} query parser: any input is a token or a 400,
 * and a parsed token encodes to text that parses to the same token. Corpus: {@code ConsistencyTokenFuzzTestInputs}.
 */
class ConsistencyTokenFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void parse(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        ConsistencyToken token;
        try {
            token = ConsistencyToken.parse(text, "Consistency-Token");
        } catch (ApiError e) {
            if (e.status() != 400) throw e;
            return;
        }
        if (token != null && !token.equals(ConsistencyToken.parse(token.encode(), "x")) && !token.isEmpty()) {
            throw new AssertionError("round trip changed " + token);
        }
    }
}
