package dev.history.ops;

import dev.history.common.DirectoryDecision;
import dev.history.common.Topics;
import dev.history.streams.HistoryTopology;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.TopologyDescription;
import dev.history.query.ProcessedOffsets;
import dev.history.query.TimelineListener;

/**
 * What the history-streams application owns on the cluster, derived from the topology itself so it
 * stays right when the topology changes: its input topics and its internal (changelog and
 * repartition) topics, {@code <application.id>-…}.
 */
record StreamsApplication(String applicationId, List<String> inputTopics, Set<String> internalTopics) {

    static StreamsApplication of(String applicationId, Topics topics) {
        List<String> inputs = List.of(topics.historyEvents(), topics.customerProfiles());
        // The decisions topic is the application's own (created by the service, not by Streams): a rebuild
        // neither deletes it nor rewinds it; replayed profiles are decided afresh.
        String decisions = DirectoryDecision.topic(applicationId);
        List<String> notInternal = List.of(topics.historyEvents(), topics.customerProfiles(), decisions);
        Set<String> internal = new TreeSet<>();
        TopologyDescription description = HistoryTopology.build(topics, decisions, new ProcessedOffsets(),
                TimelineListener.NONE)
                .describe();
        for (TopologyDescription.Subtopology sub : description.subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Source source && source.topicSet() != null) {
                    source.topicSet().stream().filter(t -> !notInternal.contains(t))
                            .forEach(t -> internal.add(applicationId + "-" + t));
                } else if (node instanceof TopologyDescription.Sink sink && sink.topic() != null
                        && !notInternal.contains(sink.topic())) {
                    internal.add(applicationId + "-" + sink.topic());
                } else if (node instanceof TopologyDescription.Processor processor) {
                    processor.stores().forEach(store -> internal.add(applicationId + "-" + store + "-changelog"));
                }
            }
        }
        return new StreamsApplication(applicationId, inputs, internal);
    }
}
