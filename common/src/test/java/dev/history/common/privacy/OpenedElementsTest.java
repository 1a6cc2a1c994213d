package dev.history.common.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

class OpenedElementsTest {
    private final Set<String> forgotten = ConcurrentHashMap.newKeySet();
    private final Queue<Runnable> sweeps = new ArrayDeque<>();
    private final OpenedElements elements = new OpenedElements(1_000_000, forgotten::contains, sweeps::add);

    private static Bytes place(String keyId, int n) {
        return Bytes.wrap((keyId + "/" + n).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] stored(String keyId, int n) {
        return ("{\"note\":\"" + Privacy.SEALED_PREFIX + keyId + ".ciphertext" + n + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] plain(String text) {
        return ("{\"note\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private void put(OpenedElements cache, String keyId, int n, String text) {
        cache.put(place(keyId, n), keyId, stored(keyId, n), plain(text));
    }

    private static String get(OpenedElements cache, String keyId, int n) {
        OpenedElements.Opened o = cache.get(place(keyId, n), stored(keyId, n));
        return o == null ? null : new String(o.plain(), StandardCharsets.UTF_8);
    }

    @Test
    void answersOnlyForTheBytesItWasOpenedFrom() {
        put(elements, "k1", 0, "plain 0");
        assertThat(get(elements, "k1", 0)).isEqualTo("{\"note\":\"plain 0\"}");
        assertThat(elements.get(place("k1", 0), stored("k1", 0)).keyId()).isEqualTo("k1");
        // the same place now stores another element (a rebuild, a reset and a new event): opened again
        assertThat(elements.get(place("k1", 0), stored("k1", 1))).isNull();
        assertThat(elements.get(place("k1", 1), stored("k1", 0))).isNull();
    }

    @Test
    void aForgetSweepsThatKeysElementsAndNoOther() {
        for (int i = 0; i < 3; i++) {
            put(elements, "k1", i, "plain " + i);
            put(elements, "k2", i, "other " + i);
        }
        forgotten.add("k1");
        elements.forget("k1");
        assertThat(sweeps).hasSize(1);
        assertThat(elements.holds("k1")).isTrue();
        sweeps.poll().run();
        assertThat(elements.holds("k1")).isFalse();
        for (int i = 0; i < 3; i++) {
            assertThat(get(elements, "k1", i)).isNull();
            assertThat(get(elements, "k2", i)).isEqualTo("{\"note\":\"other " + i + "\"}");
        }
    }

    @Test
    void manyForgetsBeforeTheSweepRunsAreOnePass() {
        for (int k = 0; k < 50; k++) put(elements, "k" + k, 0, "plain");
        for (int k = 0; k < 50; k++) {
            forgotten.add("k" + k);
            elements.forget("k" + k);
        }
        assertThat(sweeps).hasSize(1);
        sweeps.poll().run();
        for (int k = 0; k < 50; k++) assertThat(get(elements, "k" + k, 0)).isNull();
        // after the pass, the next forget queues a new one
        put(elements, "k50", 0, "plain");
        forgotten.add("k50");
        elements.forget("k50");
        assertThat(sweeps).hasSize(1);
        sweeps.poll().run();
        assertThat(get(elements, "k50", 0)).isNull();
    }

    @Test
    void aPutRacingTheForgetRemovesItself() {
        // the reader opened the element with the key, then the forget and its sweep ran, then the reader puts
        forgotten.add("k1");
        elements.forget("k1");
        sweeps.poll().run();
        put(elements, "k1", 0, "late plaintext");
        assertThat(get(elements, "k1", 0)).isNull();
        assertThat(elements.holds("k1")).isFalse();
    }

    @Test
    void boundedInBytes() {
        OpenedElements small = new OpenedElements(20_000, forgotten::contains, Runnable::run);
        String text = "x".repeat(100);
        for (int i = 0; i < 1_000; i++) put(small, "k1", i, text);
        int kept = 0;
        for (int i = 0; i < 1_000; i++) if (get(small, "k1", i) != null) kept++;
        assertThat(kept).isLessThanOrEqualTo(20_000 / (100 + 40)).isGreaterThan(0);
        OpenedElements none = new OpenedElements(0, forgotten::contains, Runnable::run);
        put(none, "k1", 0, text);
        assertThat(get(none, "k1", 0)).isNull();
    }
}
