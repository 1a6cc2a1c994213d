package dev.history.query;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * How far this instance's processors have got in each input partition: after every record — applied,
 * skipped as a duplicate, or dead-lettered — the next offset to process. Store positions (IQv2) only
 * move when a store is written, so a duplicate event id would never satisfy a position bound; this
 * moves for every record. When a task is (re)initialised its partitions are forgotten: the state is
 * then whatever was restored, and only what the task processes from now on is counted here.
 */
public final class ProcessedOffsets {
    /** Called on a processor's (stream) thread: must be quick and must not block. */
    public interface Listener {
        void taskStarted(TaskId task);

        void advanced(TopicPartition partition, long nextOffset);
    }

    private final Map<TopicPartition, Long> next = new ConcurrentHashMap<>();
    private final Map<TaskId, Set<TopicPartition>> partitionsByTask = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** The offset after the last record processed in this partition since its task started, if any. */
    public OptionalLong next(TopicPartition partition) {
        Long offset = next.get(partition);
        return offset == null ? OptionalLong.empty() : OptionalLong.of(offset);
    }

    public void started(TaskId task) {
        forget(task);
        for (Listener listener : listeners) listener.taskStarted(task);
    }

    public void closed(TaskId task) {
        forget(task);
    }

    /** Records that the current record of {@code context} has been dealt with. */
    public void processed(ProcessorContext<?, ?> context) {
        context.recordMetadata().ifPresent(m -> {
            TopicPartition partition = new TopicPartition(m.topic(), m.partition());
            partitionsByTask.computeIfAbsent(context.taskId(), t -> ConcurrentHashMap.newKeySet()).add(partition);
            long advanced = next.merge(partition, m.offset() + 1, Math::max);
            for (Listener listener : listeners) listener.advanced(partition, advanced);
        });
    }

    private void forget(TaskId task) {
        Set<TopicPartition> partitions = partitionsByTask.remove(task);
        if (partitions != null) partitions.forEach(next::remove);
    }
}
