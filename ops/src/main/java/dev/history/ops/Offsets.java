package dev.history.ops;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/** Partition lists and earliest/latest offsets of whole topics, through the admin client. */
final class Offsets {
    private Offsets() {}

    static Map<String, TopicDescription> describe(Admin admin, Collection<String> topics) {
        return Futures.get(admin.describeTopics(topics).allTopicNames(), "describe topics " + topics);
    }

    static Map<TopicPartition, Long> latest(Admin admin, Collection<TopicDescription> topics) {
        return list(admin, topics, OffsetSpec.latest());
    }

    static Map<TopicPartition, Long> earliest(Admin admin, Collection<TopicDescription> topics) {
        return list(admin, topics, OffsetSpec.earliest());
    }

    private static Map<TopicPartition, Long> list(Admin admin, Collection<TopicDescription> topics, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> request = topics.stream()
                .flatMap(t -> t.partitions().stream().map(p -> new TopicPartition(t.name(), p.partition())))
                .collect(Collectors.toMap(Function.identity(), tp -> spec));
        if (request.isEmpty()) return Map.of();
        Map<TopicPartition, ListOffsetsResultInfo> result =
                Futures.get(admin.listOffsets(request).all(), "list offsets");
        Map<TopicPartition, Long> offsets = new TreeMap<>(
                java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        result.forEach((tp, info) -> offsets.put(tp, info.offset()));
        return offsets;
    }
}
