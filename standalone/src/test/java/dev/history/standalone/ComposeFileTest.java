package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.Env;
import dev.history.common.KafkaSettings;
import dev.history.common.Topics;
import dev.history.fulfillment.FulfillmentConfig;
import dev.history.gateway.GatewayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import dev.history.streams.StreamsServiceConfig;

/**
 * docker-compose.yml declares what the code expects: its services parse their settings with the
 * services' own config records, topics and replication match, every variable is documented, and the
 * entry proxy routes to services that exist. (CI also runs {@code docker-compose config}.)
 */
class ComposeFileTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static Map<String, Map<String, Object>> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        Map<String, Object> compose = new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
        services = (Map<String, Map<String, Object>>) compose.get("services");
    }

    @Test
    void threeKraftBrokersOnTheClientVersionWithReplicationThree() {
        List<String> brokers = names("kafka-");
        assertThat(brokers).containsExactly("kafka-1", "kafka-2", "kafka-3");
        for (String broker : brokers) {
            assertThat(services.get(broker).get("image")).isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
            Map<String, String> env = env(broker);
            assertThat(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS")).isEqualTo("1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093");
            assertThat(env.get("KAFKA_NODE_ID")).isEqualTo(broker.substring("kafka-".length()));
            assertThat(env.get("KAFKA_DEFAULT_REPLICATION_FACTOR")).isEqualTo("3");
            assertThat(env.get("KAFKA_MIN_INSYNC_REPLICAS")).isEqualTo("2");
            assertThat(env.get("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR")).isEqualTo("3");
            assertThat(env.get("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")).isEqualTo("2");
            assertThat(services.get(broker)).containsKeys("healthcheck", "mem_limit", "volumes");
        }
    }

    @org.junit.jupiter.api.io.TempDir
    Path secretsDir;

    @Test
    void everyServiceRunsTwiceAndParsesItsSettingsWithTheCodesOwnConfig() {
        assertThat(commands()).containsEntry("gateway", List.of("gateway-1", "gateway-2"))
                .containsEntry("streams", List.of("streams-1", "streams-2"))
                .containsEntry("worker", List.of("worker-1", "worker-2"));
        for (String name : names("gateway-")) checkKafka(GatewayConfig.from(Env.of(runnable(name))).kafka());
        for (String name : names("worker-")) {
            Map<String, String> env = new HashMap<>(runnable(name));
            env.put("FULFILLMENT_TASKS_FILE", ROOT.resolve("deploy/fulfillment-tasks.json").toString());
            FulfillmentConfig config = FulfillmentConfig.from(Env.of(env));
            checkKafka(config.kafka());
            assertThat(config.tasks().active()).isNotEmpty();
        }
        for (String name : names("streams-")) {
            StreamsServiceConfig config = StreamsServiceConfig.from(Env.of(runnable(name)));
            checkKafka(config.kafka());
            assertThat(config.applicationId()).isEqualTo("history-streams");
            assertThat(config.query().advertisedHost()).isEqualTo(name);
            // Directory writes (gateways) wait for the decisions this application publishes.
            for (String gateway : names("gateway-")) {
                assertThat(GatewayConfig.from(Env.of(runnable(gateway))).decisionsTopic()).isEqualTo(config.decisionsTopic());
            }
            assertThat(config.standbyReplicas()).isGreaterThanOrEqualTo(1);
            assertThat(services.get(name)).containsKey("volumes");
        }
        for (String name : appServices()) {
            assertThat(services.get(name)).as(name).containsKeys("healthcheck", "mem_limit", "depends_on");
        }
    }

    /** A service's settings with the mounted erasure secrets file made here (the deployment creates its own). */
    private Map<String, String> runnable(String service) {
        Path secrets = secretsDir.resolve("erasure-secrets.properties");
        dev.history.common.privacy.ErasureSettings.writeSecretsFile(secrets, null);
        Map<String, String> env = new HashMap<>(env(service));
        assertThat(env).containsEntry("ERASURE_SECRETS_FILE", "/config/erasure-secrets.properties");
        env.put("ERASURE_SECRETS_FILE", secrets.toString());
        return env;
    }

    @Test
    void everyVariableTheFileSetsIsDocumented() throws IOException {
        String docs = Files.readString(ROOT.resolve("README.md")) + Files.readString(ROOT.resolve("docs/FULFILLMENT.md"));
        for (String name : appServices()) {
            for (String variable : env(name).keySet()) {
                assertThat(docs).as("%s sets %s", name, variable).contains("`" + variable);
            }
        }
    }

    @Test
    void theEntryProxyRoutesToServicesThatExist() throws IOException {
        String caddyfile = Files.readString(ROOT.resolve("deploy/Caddyfile"));
        Matcher upstream = Pattern.compile("([a-z]+-\\d):8080").matcher(caddyfile);
        List<String> targets = new java.util.ArrayList<>();
        while (upstream.find()) targets.add(upstream.group(1));
        assertThat(targets).containsExactlyInAnyOrderElementsOf(appServices());
    }

    /**
     * The local cluster (bin/cluster, `bin/pipeline cluster`) reads its broker and service settings from
     * deploy/local-cluster.env: each equals the compose file's, and every compose setting is there unless it
     * must differ on loopback (then the script sets it itself).
     */
    @Test
    void theLocalClusterRunsWithTheComposeFilesSettings() throws IOException {
        Map<String, Map<String, String>> local = new HashMap<>();
        for (String line : Files.readAllLines(ROOT.resolve("deploy/local-cluster.env"))) {
            if (line.isBlank() || line.startsWith("#")) continue;
            Matcher setting = Pattern.compile("(broker|app|streams|worker)\\.([A-Z0-9_]+)=(.*)").matcher(line);
            assertThat(setting.matches()).as("role.VARIABLE=value: %s", line).isTrue();
            local.computeIfAbsent(setting.group(1), r -> new LinkedHashMap<>()).put(setting.group(2), setting.group(3));
        }
        String script = Files.readString(ROOT.resolve("bin/cluster"));
        // Broker settings: host names, ports, node ids, directories and heap differ on loopback.
        assertThat(local.get("broker")).isEqualTo(without(env("kafka-1"),
                "KAFKA_NODE_ID", "KAFKA_LISTENERS", "KAFKA_CONTROLLER_QUORUM_VOTERS", "KAFKA_LOG_DIRS", "KAFKA_HEAP_OPTS"));
        assertThat(script).contains("node.id=", "listeners=", "controller.quorum.voters=", "log.dirs=");
        // Services: the cluster's address, ports, listen address, authentication (AUTH=none on loopback
        // instead of the mounted key file), trusted proxy, heap and the proxy's address for identity
        // lookups differ; everything else is the same.
        List<String> loopback = List.of("KAFKA_BOOTSTRAP_SERVERS", "HTTP_PORT", "HTTP_HOST", "API_KEYS_FILE",
                "HTTP_TRUSTED_PROXIES", "JAVA_OPTS", "ADVERTISED_HOST", "STATE_DIR", "DIRECTORY_LOOKUP_URL",
                "ERASURE_SECRETS_FILE");
        for (String variable : loopback) {
            if (!variable.equals("API_KEYS_FILE")) assertThat(script).contains(variable + "=");
        }
        assertThat(script).contains("AUTH=none", "FULFILLMENT_STATE_DIR=", "ops erasure-secrets --file");
        // Crypto-shredding is on in both: every service reads the secrets file the compose file mounts.
        for (String service : appServices()) {
            assertThat(env(service)).containsEntry("ERASURE_SECRETS_FILE", "/config/erasure-secrets.properties");
            assertThat(services.get(service).get("volumes").toString())
                    .contains("./deploy/erasure-secrets.properties:/config/erasure-secrets.properties:ro");
        }
        assertThat(local.get("app")).isEqualTo(without(env("gateway-1"), loopback.toArray(String[]::new)));
        Map<String, String> streams = new HashMap<>(local.get("app"));
        streams.putAll(local.get("streams"));
        assertThat(streams).isEqualTo(without(env("streams-1"), loopback.toArray(String[]::new)));
        // The worker's task file: the same file the compose file mounts at FULFILLMENT_TASKS_FILE.
        Map<String, String> worker = new HashMap<>(local.get("app"));
        worker.putAll(local.get("worker"));
        Map<String, String> composeWorker = without(env("worker-1"), loopback.toArray(String[]::new));
        assertThat(services.get("worker-1").get("volumes").toString())
                .contains("./" + worker.get("FULFILLMENT_TASKS_FILE") + ":" + composeWorker.get("FULFILLMENT_TASKS_FILE"));
        worker.put("FULFILLMENT_TASKS_FILE", composeWorker.get("FULFILLMENT_TASKS_FILE"));
        assertThat(worker).isEqualTo(composeWorker);
        // The same processes as the compose file.
        assertThat(script).contains("brokers=(" + String.join(" ", names("kafka-")) + ")",
                "services=(" + String.join(" ", appServices()) + ")");
    }

    private static Map<String, String> without(Map<String, String> env, String... names) {
        Map<String, String> rest = new HashMap<>(env);
        for (String name : names) rest.remove(name);
        return rest;
    }

    private static void checkKafka(KafkaSettings kafka) {
        assertThat(kafka.bootstrapServers()).isEqualTo("kafka-1:9092,kafka-2:9092,kafka-3:9092");
        assertThat(kafka.replicationFactor()).isEqualTo((short) 3);
        assertThat(kafka.minInsyncReplicas()).isEqualTo(2);
        assertThat(kafka.topics()).isEqualTo(Topics.from(Env.of(Map.of())));
    }

    private static List<String> names(String prefix) {
        return services.keySet().stream().filter(s -> s.startsWith(prefix)).sorted().toList();
    }

    private static List<String> appServices() {
        return services.keySet().stream().filter(s -> services.get(s).containsKey("command")).sorted().toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, List<String>> commands() {
        Map<String, List<String>> byCommand = new LinkedHashMap<>();
        for (String name : appServices()) {
            String command = ((List<String>) services.get(name).get("command")).get(0);
            byCommand.computeIfAbsent(command, c -> new java.util.ArrayList<>()).add(name);
        }
        return byCommand;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> env(String service) {
        Map<String, Object> env = (Map<String, Object>) services.get(service).get("environment");
        return env.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> String.valueOf(e.getValue())));
    }
}
