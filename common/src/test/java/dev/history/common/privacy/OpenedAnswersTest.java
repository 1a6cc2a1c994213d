package dev.history.common.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

class OpenedAnswersTest {
    private final Set<String> forgotten = ConcurrentHashMap.newKeySet();
    private final Queue<Runnable> sweeps = new ArrayDeque<>();
    private final OpenedAnswers answers = new OpenedAnswers(1_000_000, forgotten::contains, sweeps::add);

    private static Bytes place(String keyId, int n) {
        return Bytes.wrap((keyId + "/" + n).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] stored(String keyId, int n) {
        return ("{\"note\":\"" + Privacy.SEALED_PREFIX + keyId + ".ciphertext" + n + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] plain(String text) {
        return ("{\"note\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private void put(OpenedAnswers cache, String keyId, int n, String text) {
        cache.put(place(keyId, n), Privacy.Opened.of(keyId, new byte[][] {stored(keyId, n)}, new byte[][] {plain(text)}));
    }

    private static String get(OpenedAnswers cache, String keyId, int n) {
        Privacy.Opened o = cache.get(place(keyId, n));
        return o == null || !o.openedFrom(new byte[][] {stored(keyId, n)}) ? null : new String(o.plain(0), StandardCharsets.UTF_8);
    }

    @Test
    void anEntryIsOpenedFromExactlyItsElementsInTheirOrder() {
        byte[][] page = {stored("k1", 0), stored("k1", 1)};
        answers.put("query", Privacy.Opened.of("k1", page, new byte[][] {plain("a"), plain("b")}));
        Privacy.Opened o = answers.get("query");
        assertThat(o.keyId()).isEqualTo("k1");
        // equal bytes in fresh arrays (what every store read returns)
        assertThat(o.openedFrom(new byte[][] {stored("k1", 0), stored("k1", 1)})).isTrue();
        assertThat(o.openedFrom(new byte[][] {stored("k1", 0), stored("k1", 1), stored("k1", 2)})).isFalse();
        assertThat(o.openedFrom(new byte[][] {stored("k1", 1), stored("k1", 0)})).isFalse();
        assertThat(o.openedFrom(new byte[][] {stored("k1", 1)})).isFalse();
        assertThat(answers.get("another query")).isNull();
    }

    /** The answer is kept whole (a read of an unchanged page copies nothing); the elements are sliced out of it. */
    @Test
    void anEntryKeepsTheAnswerAsAJsonArrayAndItsElements() {
        byte[][] stored = {stored("k1", 0), stored("k1", 1), stored("k1", 2)};
        Privacy.Opened o = Privacy.Opened.of("k1", stored, new byte[][] {plain("a"), plain("é 漢"), plain("")});
        assertThat(new String(o.answer(), StandardCharsets.UTF_8))
                .isEqualTo("[{\"note\":\"a\"},{\"note\":\"é 漢\"},{\"note\":\"\"}]");
        assertThat(o.plain(0)).isEqualTo(plain("a"));
        assertThat(o.plain(1)).isEqualTo(plain("é 漢"));
        assertThat(o.plain(2)).isEqualTo(plain(""));
        Privacy.Opened one = Privacy.Opened.of("k1", new byte[][] {stored("k1", 0)}, new byte[][] {plain("only")});
        assertThat(one.answer()).isEqualTo(("[" + new String(plain("only"), StandardCharsets.UTF_8) + "]").getBytes(StandardCharsets.UTF_8));
        assertThat(one.plain(0)).isEqualTo(plain("only"));
        assertThat(Privacy.Opened.of("k1", new byte[0][], new byte[0][]).answer()).isEqualTo("[]".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aForgetSweepsThatKeysElementsAndNoOther() {
        for (int i = 0; i < 3; i++) {
            put(answers, "k1", i, "plain " + i);
            put(answers, "k2", i, "other " + i);
        }
        forgotten.add("k1");
        answers.forget("k1");
        assertThat(sweeps).hasSize(1);
        assertThat(answers.holds("k1")).isTrue();
        sweeps.poll().run();
        assertThat(answers.holds("k1")).isFalse();
        for (int i = 0; i < 3; i++) {
            assertThat(get(answers, "k1", i)).isNull();
            assertThat(get(answers, "k2", i)).isEqualTo("{\"note\":\"other " + i + "\"}");
        }
    }

    @Test
    void manyForgetsBeforeTheSweepRunsAreOnePass() {
        for (int k = 0; k < 50; k++) put(answers, "k" + k, 0, "plain");
        for (int k = 0; k < 50; k++) {
            forgotten.add("k" + k);
            answers.forget("k" + k);
        }
        assertThat(sweeps).hasSize(1);
        sweeps.poll().run();
        for (int k = 0; k < 50; k++) assertThat(get(answers, "k" + k, 0)).isNull();
        // after the pass, the next forget queues a new one
        put(answers, "k50", 0, "plain");
        forgotten.add("k50");
        answers.forget("k50");
        assertThat(sweeps).hasSize(1);
        sweeps.poll().run();
        assertThat(get(answers, "k50", 0)).isNull();
    }

    @Test
    void aPutRacingTheForgetRemovesItself() {
        // the reader opened the element with the key, then the forget and its sweep ran, then the reader puts
        forgotten.add("k1");
        answers.forget("k1");
        sweeps.poll().run();
        put(answers, "k1", 0, "late plaintext");
        assertThat(get(answers, "k1", 0)).isNull();
        assertThat(answers.holds("k1")).isFalse();
    }

    @Test
    void boundedInBytes() {
        OpenedAnswers small = new OpenedAnswers(20_000, forgotten::contains, Runnable::run);
        String text = "x".repeat(100);
        for (int i = 0; i < 1_000; i++) put(small, "k1", i, text);
        int kept = 0;
        for (int i = 0; i < 1_000; i++) if (get(small, "k1", i) != null) kept++;
        assertThat(kept).isLessThanOrEqualTo(20_000 / (100 + 40 + 160 + 32)).isGreaterThan(0); // an element, its stored form, the entry
        OpenedAnswers none = new OpenedAnswers(0, forgotten::contains, Runnable::run);
        put(none, "k1", 0, text);
        assertThat(get(none, "k1", 0)).isNull();
    }
}
