package dev.history.common.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class OpenedFieldsTest {
    private final Set<String> forgotten = ConcurrentHashMap.newKeySet();
    private final Queue<Runnable> sweeps = new ArrayDeque<>();
    private final OpenedFields fields = new OpenedFields(1_000_000, forgotten::contains, sweeps::add);

    private static String sealed(String keyId, int n) {
        return Privacy.SEALED_PREFIX + keyId + ".ciphertext" + n;
    }

    @Test
    void aForgetSweepsThatKeysFieldsAndNoOther() {
        for (int i = 0; i < 3; i++) {
            fields.put("k1", sealed("k1", i), "plain " + i);
            fields.put("k2", sealed("k2", i), "other " + i);
        }
        assertThat(fields.get(sealed("k1", 1))).isEqualTo("plain 1");
        forgotten.add("k1");
        fields.forget("k1");
        assertThat(sweeps).hasSize(1);
        sweeps.poll().run();
        for (int i = 0; i < 3; i++) {
            assertThat(fields.get(sealed("k1", i))).isNull();
            assertThat(fields.get(sealed("k2", i))).isEqualTo("other " + i);
        }
    }

    @Test
    void manyForgetsBeforeTheSweepRunsAreOnePass() {
        for (int k = 0; k < 50; k++) fields.put("k" + k, sealed("k" + k, 0), "plain");
        for (int k = 0; k < 50; k++) {
            forgotten.add("k" + k);
            fields.forget("k" + k);
        }
        assertThat(sweeps).hasSize(1);
        sweeps.poll().run();
        for (int k = 0; k < 50; k++) assertThat(fields.get(sealed("k" + k, 0))).isNull();
        // after the pass, the next forget queues a new one
        fields.put("k50", sealed("k50", 0), "plain");
        forgotten.add("k50");
        fields.forget("k50");
        assertThat(sweeps).hasSize(1);
        sweeps.poll().run();
        assertThat(fields.get(sealed("k50", 0))).isNull();
    }

    @Test
    void aPutRacingTheForgetRemovesItself() {
        // the reader opened the field with the key, then the forget and its sweep ran, then the reader puts
        forgotten.add("k1");
        fields.forget("k1");
        sweeps.poll().run();
        fields.put("k1", sealed("k1", 0), "late plaintext");
        assertThat(fields.get(sealed("k1", 0))).isNull();
    }

    @Test
    void boundedInCharacters() {
        OpenedFields small = new OpenedFields(10_000, forgotten::contains, Runnable::run);
        String plain = "x".repeat(80);
        for (int i = 0; i < 1_000; i++) small.put("k1", sealed("k1", i), plain);
        int kept = 0;
        for (int i = 0; i < 1_000; i++) if (small.get(sealed("k1", i)) != null) kept++;
        assertThat(kept).isLessThanOrEqualTo(10_000 / 80).isGreaterThan(0);
        OpenedFields none = new OpenedFields(0, forgotten::contains, Runnable::run);
        none.put("k1", sealed("k1", 0), plain);
        assertThat(none.get(sealed("k1", 0))).isNull();
    }
}
