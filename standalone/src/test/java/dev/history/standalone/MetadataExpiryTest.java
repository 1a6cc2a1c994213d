package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The first history and directory writes after the producer's topic metadata expired answer as fast
 * as any other (issue 13, item 10: they used to wait for metadata on a blocked client thread).
 */
class MetadataExpiryTest {

    @Test
    void theFirstWriteAfterAQuietSpellIsAsFastAsAnyOther() throws Exception {
        Map<String, String> env = new HashMap<>(TestSystems.env("metaexpiry"));
        env.put("KAFKA_CLIENT_METADATA_MAX_IDLE_MS", "5000");
        env.put("KAFKA_CLIENT_METADATA_MAX_AGE_MS", "3000");
        try (Standalone system = TestSystems.start(env)) {
            TestHttp http = new TestHttp(system.port());
            for (int round = 0; round < 3; round++) {
                // A quiet spell longer than metadata.max.idle.ms: the producers forget the topics' metadata.
                // (Elapsed time is what this test is about; nothing is being synchronised on.)
                Thread.sleep(6500);
                long historyMs = timed(() -> assertThat(http.postJson("/history",
                        "{\"username\":\"quiet\",\"source\":\"ivr\"}").status()).isEqualTo(200));
                long reset = timed(() -> assertThat(http.deleteJson("/history", "{\"username\":\"quiet2\"}").status()).isEqualTo(200));
                Thread.sleep(6500);
                long directoryMs = timed(() -> assertThat(http.postJson("/userdata",
                        "{\"username\":\"quiet\",\"ani\":\"1555800" + 0 + "\"}").status()).isEqualTo(200));
                System.out.printf("after a quiet spell: POST /history %d ms, DELETE /history %d ms, POST /userdata %d ms%n",
                        historyMs, reset, directoryMs);
                assertThat(historyMs).isLessThan(2000);
                assertThat(directoryMs).isLessThan(2000);
            }
        }
    }

    private static long timed(Runnable call) {
        long start = System.nanoTime();
        call.run();
        return (System.nanoTime() - start) / 1_000_000;
    }
}
