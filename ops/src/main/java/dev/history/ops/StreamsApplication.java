package dev.history.ops;

import dev.history.common.Topics;
import dev.history.streams.HistoryTopology;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.TopologyDescription;

/**
 * What the history-streams application owns on the cluster, derived from the topology itself so it
 * stays right when the topology changes: its input topics and its internal (changelog and
 * repartition) topics, {@code <application.id>-…}.
 */
record StreamsApplication(String applicationId, List<String> inputTopics, Set<String> internalTopics) {

    static StreamsApplication of(String applicationId, Topics topics) {
        List<String> inputs = List.of(topics.historyEvents(), topics.customerProfiles());
        Set<String> internal = new TreeSet<>();
        TopologyDescription description = HistoryTopology.build(topics).describe();
        for (TopologyDescription.Subtopology sub : description.subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Source source && source.topicSet() != null) {
                    source.topicSet().stream().filter(t -> !inputs.contains(t))
                            .forEach(t -> internal.add(applicationId + "-" + t));
                } else if (node instanceof TopologyDescription.Sink sink && sink.topic() != null
                        && !inputs.contains(sink.topic())) {
                    internal.add(applicationId + "-" + sink.topic());
                } else if (node instanceof TopologyDescription.Processor processor) {
                    processor.stores().forEach(store -> internal.add(applicationId + "-" + store + "-changelog"));
                }
            }
        }
        return new StreamsApplication(applicationId, inputs, internal);
    }
}
