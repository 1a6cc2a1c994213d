package dev.history.ops;

import dev.history.common.Env;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.tools.StreamsResetter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import dev.history.streams.StreamsServiceConfig;

/**
 * Throws away the history-streams application's materialised state so that its next start reprocesses
 * {@code history-events} and {@code customer-profiles} from the beginning. Uses Kafka's application
 * reset (StreamsResetter: input offsets to earliest, internal topics deleted) and deletes this host's
 * local state directory. Requires every instance of the application to be stopped.
 */
@Command(name = "rebuild", mixinStandardHelpOptions = true,
        description = {
            "Reset the history-streams application (APPLICATION_ID) so its next start rebuilds every timeline "
                    + "and the directory from history-events and customer-profiles.",
            "Every history-streams instance must be stopped; if the consumer group has active members the "
                    + "command fails and changes nothing.",
            "Standalone: stop bin/pipeline, then run 'bin/pipeline ops rebuild --data-dir ./data'."})
final class RebuildCommand extends OpsCommand {
    private static final Logger LOG = LoggerFactory.getLogger(RebuildCommand.class);

    @Option(names = "--dry-run", description = "Print what would be reset and deleted; change nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter progress = progress();
        Env env = env();
        try (KafkaConnection kafka = openKafka(env, progress)) {
            StreamsServiceConfig config = StreamsServiceConfig.from(
                    env.with(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers())));
            String appId = config.applicationId();
            StreamsApplication app = StreamsApplication.of(appId, config.kafka().topics());
            Admin admin = kafka.admin();

            List<String> members = ActiveMembers.of(admin, appId);
            if (!members.isEmpty()) {
                throw new OpsException("history-streams application '" + appId + "' is running: consumer group has "
                        + members.size() + " active member(s): " + String.join(", ", members)
                        + ". Stop every history-streams instance (standalone: stop bin/pipeline) and run rebuild again;"
                        + " an instance that was killed rather than stopped stays a member until its session times out"
                        + " (45 s by default). Nothing was changed.");
            }

            Set<String> existing = Futures.get(admin.listTopics().names(), "list topics");
            List<String> inputs = app.inputTopics().stream().filter(existing::contains).toList();
            if (inputs.isEmpty()) {
                throw new OpsException("none of the input topics " + app.inputTopics() + " exist on "
                        + kafka.bootstrapServers() + "; nothing to rebuild (check TOPIC_* settings). Nothing was changed.");
            }
            Set<String> internal = new TreeSet<>(app.internalTopics());
            internal.retainAll(existing);
            Set<String> foreign = new TreeSet<>();
            existing.stream().filter(t -> t.startsWith(appId + "-") && StreamsResetter.matchesInternalTopicFormat(t))
                    .filter(t -> !app.internalTopics().contains(t)).forEach(foreign::add);
            if (internal.isEmpty() && !foreign.isEmpty()) {
                // With no explicit list the resetter deletes every "<app id>-…-changelog/-repartition" topic,
                // which would include these, which this topology does not own.
                throw new OpsException("topics " + foreign + " look like internal topics of '" + appId
                        + "' but the topology does not use them; refusing to let the reset tool delete them."
                        + " Delete or keep them by hand, then run rebuild again. Nothing was changed.");
            }

            Map<String, TopicDescription> inputDescriptions = Offsets.describe(admin, inputs);
            Map<TopicPartition, Long> earliest = Offsets.earliest(admin, inputDescriptions.values());
            Map<TopicPartition, Long> latest = Offsets.latest(admin, inputDescriptions.values());
            long toReprocess = latest.entrySet().stream()
                    .mapToLong(e -> e.getValue() - earliest.getOrDefault(e.getKey(), 0L)).sum();
            Path localState = config.stateDir().resolve(appId).toAbsolutePath();
            boolean hasLocalState = Files.isDirectory(localState);

            progress.println("rebuild of application '" + appId + "' on " + kafka.bootstrapServers() + ":");
            progress.println("  reset offsets to earliest: " + inputs + " (" + earliest.size() + " partitions, "
                    + toReprocess + " records to reprocess)");
            progress.println("  delete internal topics: " + (internal.isEmpty() ? "(none exist)" : internal));
            if (!foreign.isEmpty()) progress.println("  left alone (not this topology's): " + foreign);
            progress.println("  delete local state: " + localState + (hasLocalState ? "" : " (not present)"));

            if (dryRun) {
                out.printf("rebuild (dry run, nothing changed): application=%s inputPartitions=%d recordsToReprocess=%d "
                        + "internalTopicsToDelete=%d localStateToDelete=%s%n",
                        appId, earliest.size(), toReprocess, internal.size(), hasLocalState ? localState : "none");
                return 0;
            }

            runResetter(kafka, appId, inputs, internal, progress);
            awaitDeleted(admin, internal, progress);
            long deletedFiles = hasLocalState ? deleteRecursively(localState) : 0;
            if (hasLocalState) progress.println("deleted local state " + localState + " (" + deletedFiles + " files)");
            LOG.info("rebuild reset application {}: inputs={} internalTopicsDeleted={} localState={}",
                    appId, inputs, internal, hasLocalState ? localState : "none");
            out.printf("rebuild: application=%s inputPartitionsReset=%d recordsToReprocess=%d internalTopicsDeleted=%d "
                    + "localStateDeleted=%s%n",
                    appId, earliest.size(), toReprocess, internal.size(), hasLocalState ? localState : "none");
            progress.println(kafka.startedEmbeddedBroker()
                    ? "done: the next 'bin/pipeline' start rebuilds the state from the topics"
                    : "done: start the history-streams instances to rebuild (on other hosts, delete "
                            + "STATE_DIR/" + appId + " first or run rebuild there with their STATE_DIR)");
            return 0;
        }
    }

    /** Kafka's own application reset; it prints its steps on System.out, which goes to our progress stream. */
    private void runResetter(KafkaConnection kafka, String appId, List<String> inputs, Set<String> internal,
                             PrintWriter progress) {
        List<String> args = new ArrayList<>(List.of(
                "--bootstrap-server", kafka.bootstrapServers(),
                "--application-id", appId,
                "--input-topics", String.join(",", inputs),
                "--to-earliest"));
        if (!internal.isEmpty()) args.addAll(List.of("--internal-topics", String.join(",", internal)));
        Path clientConfig = null;
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        int code;
        synchronized (System.class) {
            try {
                clientConfig = clientConfigFile(kafka);
                if (clientConfig != null) args.addAll(List.of("--command-config", clientConfig.toString()));
                PrintStream toProgress = new PrintStream(new WriterOutputStream(progress), true, StandardCharsets.UTF_8);
                System.setOut(toProgress);
                System.setErr(toProgress);
                code = new StreamsResetter().execute(args.toArray(String[]::new));
                toProgress.flush();
            } finally {
                System.setOut(stdout);
                System.setErr(stderr);
                if (clientConfig != null) clientConfig.toFile().delete();
            }
        }
        if (code != 0) {
            throw new OpsException("the Kafka Streams application reset failed (exit code " + code + "); see the "
                    + "messages above. Running rebuild again is safe once the cause is fixed.");
        }
    }

    /** KAFKA_CLIENT_* settings (security etc.) for the resetter's own clients, in a private temp file. */
    private static Path clientConfigFile(KafkaConnection kafka) {
        Properties props = kafka.settings().common("ops-rebuild");
        props.remove(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        props.remove(CommonClientConfigs.CLIENT_ID_CONFIG);
        if (props.isEmpty()) return null;
        try {
            Path file = Files.createTempFile("ops-rebuild", ".properties");
            file.toFile().deleteOnExit();
            try (Writer writer = Files.newBufferedWriter(file)) {
                props.store(writer, "client settings for StreamsResetter");
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Topic deletion completes asynchronously; a service started right after must not see the old topics. */
    private static void awaitDeleted(Admin admin, Set<String> topics, PrintWriter progress) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            Set<String> left = new TreeSet<>(Futures.get(admin.listTopics().names(), "list topics"));
            left.retainAll(topics);
            if (left.isEmpty()) return;
            if (System.nanoTime() > deadline) {
                throw new OpsException("internal topics " + left + " still exist 60 s after their deletion was "
                        + "requested; run rebuild again before starting the service");
            }
            progress.println("waiting for the deletion of " + left);
            sleep(500);
        }
    }

    private static long deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> paths = walk.sorted(Comparator.reverseOrder()).toList();
            for (Path path : paths) Files.delete(path);
            return paths.stream().filter(p -> !p.equals(dir)).count();
        } catch (IOException e) {
            throw new OpsException("the application was reset on Kafka, but deleting its local state " + dir
                    + " failed: " + e + ". Delete that directory by hand before starting the service.", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpsException("interrupted", e);
        }
    }
}
