package dev.history.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.history.common.Env;
import dev.history.common.Json;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import dev.history.streams.StreamsServiceConfig;

/** Topics with partitions, replication and end offsets; every consumer group with its state and lag. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {
            "Show topics (partitions, replication factor, end offsets) and every consumer group (the "
                    + "history-streams application id and any other group found) with its state, members and "
                    + "lag per partition and in total.",
            "Read-only; the services may keep running."})
final class StatusCommand extends OpsCommand {

    @Option(names = "--json", description = "One JSON document instead of tables.")
    boolean json;

    @Option(names = "--dry-run", description = "Accepted for symmetry: status never changes anything.")
    boolean dryRun;

    record TopicStatus(String name, int partitions, int replication, Map<Integer, Long> endOffsets) {
        long records() {
            return endOffsets.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    record PartitionLag(String topic, int partition, Long committed, long end) {
        long lag() {
            return committed == null ? end : Math.max(0, end - committed);
        }
    }

    record GroupStatus(String group, String state, int members, List<PartitionLag> partitions) {
        long lag() {
            return partitions.stream().mapToLong(PartitionLag::lag).sum();
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter progress = progress();
        Env env = env();
        try (KafkaConnection kafka = openKafka(env, progress)) {
            Admin admin = kafka.admin();
            String appId = StreamsServiceConfig.from(env).applicationId();
            progress.println("reading topics…");
            List<TopicStatus> topics = topics(admin);
            progress.println("reading consumer groups…");
            List<GroupStatus> groups = groups(admin, appId);
            if (json) {
                out.println(Json.writeString(toJson(kafka.bootstrapServers(), topics, groups)));
            } else {
                printTables(out, topics, groups);
            }
            progress.printf("status: %d topic(s), %d group(s), total lag %d%n", topics.size(), groups.size(),
                    groups.stream().mapToLong(GroupStatus::lag).sum());
            return 0;
        }
    }

    private static List<TopicStatus> topics(Admin admin) {
        Set<String> names = new TreeSet<>(Futures.get(admin.listTopics().names(), "list topics"));
        if (names.isEmpty()) return List.of();
        Map<String, TopicDescription> descriptions = Offsets.describe(admin, names);
        Map<TopicPartition, Long> ends = Offsets.latest(admin, descriptions.values());
        List<TopicStatus> result = new ArrayList<>();
        for (String name : names) {
            TopicDescription d = descriptions.get(name);
            Map<Integer, Long> perPartition = new TreeMap<>();
            d.partitions().forEach(p -> perPartition.put(p.partition(), ends.getOrDefault(new TopicPartition(name, p.partition()), 0L)));
            int replication = d.partitions().isEmpty() ? 0 : d.partitions().get(0).replicas().size();
            result.add(new TopicStatus(name, d.partitions().size(), replication, perPartition));
        }
        return result;
    }

    private static List<GroupStatus> groups(Admin admin, String appId) {
        Collection<GroupListing> listings =
                Futures.get(admin.listGroups(ListGroupsOptions.forConsumerGroups()).all(), "list consumer groups");
        Set<String> ids = new TreeSet<>();
        ids.add(appId); // always shown, even before its first start
        listings.forEach(g -> ids.add(g.groupId()));
        Map<String, KafkaFuture<ConsumerGroupDescription>> descriptions = admin.describeConsumerGroups(ids).describedGroups();
        List<GroupStatus> result = new ArrayList<>();
        for (String id : ids) {
            // A group that never started (or expired) is reported as such rather than failing the whole status.
            ConsumerGroupDescription d = orNull(descriptions.get(id), "describe consumer group " + id);
            Map<TopicPartition, OffsetAndMetadata> committed = orNull(
                    admin.listConsumerGroupOffsets(id).partitionsToOffsetAndMetadata(), "read offsets of group " + id);
            if (committed == null) committed = Map.of();
            committed = new java.util.HashMap<>(committed);
            committed.values().removeIf(java.util.Objects::isNull);
            Set<String> groupTopics = new TreeSet<>();
            committed.keySet().forEach(tp -> groupTopics.add(tp.topic()));
            Set<String> existing = Futures.get(admin.listTopics().names(), "list topics");
            groupTopics.retainAll(existing);
            Map<TopicPartition, Long> ends = groupTopics.isEmpty() ? Map.of()
                    : Offsets.latest(admin, Offsets.describe(admin, groupTopics).values());
            List<PartitionLag> lags = new ArrayList<>();
            // Every partition of every topic the group has offsets on: a partition without a commit lags by all of it.
            for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                OffsetAndMetadata offset = committed.get(end.getKey());
                lags.add(new PartitionLag(end.getKey().topic(), end.getKey().partition(),
                        offset == null ? null : offset.offset(), end.getValue()));
            }
            result.add(new GroupStatus(id, d == null ? "NotFound" : d.groupState().toString(),
                    d == null ? 0 : d.members().size(), lags));
        }
        return result;
    }

    /** The future's value, or null when the group does not exist. */
    private static <T> T orNull(KafkaFuture<T> future, String what) {
        try {
            return Futures.get(future, what);
        } catch (OpsException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) return null;
            throw e;
        }
    }

    private static ObjectNode toJson(String bootstrap, List<TopicStatus> topics, List<GroupStatus> groups) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("bootstrapServers", bootstrap);
        ArrayNode topicArray = root.putArray("topics");
        for (TopicStatus t : topics) {
            ObjectNode node = topicArray.addObject();
            node.put("name", t.name()).put("partitions", t.partitions()).put("replication", t.replication())
                    .put("records", t.records());
            ObjectNode ends = node.putObject("endOffsets");
            t.endOffsets().forEach((p, end) -> ends.put(Integer.toString(p), end));
        }
        ArrayNode groupArray = root.putArray("groups");
        for (GroupStatus g : groups) {
            ObjectNode node = groupArray.addObject();
            node.put("group", g.group()).put("state", g.state()).put("members", g.members()).put("lag", g.lag());
            ArrayNode parts = node.putArray("partitions");
            for (PartitionLag p : g.partitions()) {
                ObjectNode pn = parts.addObject();
                pn.put("topic", p.topic()).put("partition", p.partition());
                if (p.committed() == null) pn.putNull("committed");
                else pn.put("committed", p.committed());
                pn.put("end", p.end()).put("lag", p.lag());
            }
        }
        return root;
    }

    private static void printTables(PrintWriter out, List<TopicStatus> topics, List<GroupStatus> groups) {
        Table topicTable = new Table("TOPIC", "PARTITIONS", "REPLICATION", "END OFFSETS (SUM)");
        topics.forEach(t -> topicTable.row(t.name(), t.partitions(), t.replication(), t.records()));
        topicTable.print(out);
        out.println();
        Table groupTable = new Table("GROUP", "STATE", "MEMBERS", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG");
        for (GroupStatus g : groups) {
            if (g.partitions().isEmpty()) {
                groupTable.row(g.group(), g.state(), g.members(), "-", "-", "-", "-", 0);
                continue;
            }
            for (PartitionLag p : g.partitions()) {
                groupTable.row(g.group(), g.state(), g.members(), p.topic(), p.partition(),
                        p.committed() == null ? "-" : p.committed(), p.end(), p.lag());
            }
            groupTable.row(g.group(), "", "", "(total)", "", "", "", g.lag());
        }
        groupTable.print(out);
    }

    /** A plain left-aligned text table. */
    private static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        void row(Object... cells) {
            rows.add(java.util.Arrays.stream(cells).map(String::valueOf).toArray(String[]::new));
        }

        void print(PrintWriter out) {
            int[] widths = new int[rows.get(0).length];
            rows.forEach(r -> {
                for (int i = 0; i < r.length; i++) widths[i] = Math.max(widths[i], r[i].length());
            });
            for (String[] r : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < r.length; i++) {
                    line.append(r[i]);
                    if (i < r.length - 1) line.append(" ".repeat(widths[i] - r[i].length() + 2));
                }
                out.println(line.toString().stripTrailing());
            }
        }
    }
}
