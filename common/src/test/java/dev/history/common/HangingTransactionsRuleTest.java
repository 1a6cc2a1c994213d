package dev.history.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** When an open transaction on a partition counts as hanging (the case seen: coordinator CompleteCommit, partition open). */
class HangingTransactionsRuleTest {
    private static final TopicPartition TP = new TopicPartition("history-events", 2);
    private static final long NOW = 1_000_000_000L;
    private static final long AFTER = 30_000;
    private static final long MAX = 900_000;

    /** An open transaction; the guard has seen it open for {@code openForMs}, its records carry two-day-old timestamps. */
    private record Seen(ProducerState producer, long openForMs) {}

    private static Seen open(long producerId, long openForMs) {
        return new Seen(new ProducerState(producerId, 512, 0, NOW - 172_800_000L, OptionalInt.of(6), OptionalLong.of(2266)), openForMs);
    }

    private static TransactionDescription coordinator(long producerId, TransactionState state, Set<TopicPartition> partitions) {
        return coordinator(producerId, 512, state, partitions);
    }

    private static TransactionDescription coordinator(long producerId, int epoch, TransactionState state, Set<TopicPartition> partitions) {
        return new TransactionDescription(1, state, producerId, epoch, 10_000, OptionalLong.of(NOW - 60_000), partitions);
    }

    private static boolean hanging(Seen s, TransactionDescription c) {
        return HangingTransactions.isHanging(TP, s.producer(), c, s.openForMs(), AFTER, MAX);
    }

    @Test
    void openOnThePartitionButFinishedAtTheCoordinatorIsHanging() {
        assertThat(hanging(open(4, 60_000), coordinator(4, TransactionState.COMPLETE_COMMIT, Set.of()))).isTrue();
        assertThat(hanging(open(4, 60_000), coordinator(4, TransactionState.EMPTY, Set.of()))).isTrue();
        assertThat(hanging(open(4, 60_000), null)).as("no transactional id holds the producer any more").isTrue();
        assertThat(hanging(open(4, 60_000), coordinator(4, TransactionState.ONGOING, Set.of(new TopicPartition("other", 0)))))
                .as("ongoing without this partition").isTrue();
        assertThat(hanging(open(4, 60_000), coordinator(4, 513, TransactionState.ONGOING, Set.of(TP))))
                .as("the coordinator runs a later transaction of the producer (epoch bumped): this one's marker never came").isTrue();
    }

    @Test
    void aTransactionItsCoordinatorStillRunsIsLeftAloneUntilTheBrokersMaximum() {
        assertThat(hanging(open(4, 60_000), coordinator(4, TransactionState.ONGOING, Set.of(TP)))).isFalse();
        assertThat(hanging(open(4, 60_000), coordinator(4, TransactionState.PREPARE_COMMIT, Set.of(TP)))).isFalse();
        assertThat(hanging(open(4, MAX), coordinator(4, TransactionState.ONGOING, Set.of(TP)))).isTrue();
    }

    @Test
    void youngOrClosedTransactionsAreNeverHanging() {
        assertThat(hanging(open(4, AFTER - 1), null)).as("seen open briefly, however old its records' timestamps").isFalse();
        ProducerState idle = new ProducerState(4, 512, 0, NOW - MAX, OptionalInt.empty(), OptionalLong.empty());
        assertThat(hanging(new Seen(idle, MAX), null)).isFalse();
    }
}
