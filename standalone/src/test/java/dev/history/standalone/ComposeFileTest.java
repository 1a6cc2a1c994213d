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

    @Test
    void everyServiceRunsTwiceAndParsesItsSettingsWithTheCodesOwnConfig() {
        assertThat(commands()).containsEntry("gateway", List.of("gateway-1", "gateway-2"))
                .containsEntry("streams", List.of("streams-1", "streams-2"))
                .containsEntry("worker", List.of("worker-1", "worker-2"));
        for (String name : names("gateway-")) checkKafka(GatewayConfig.from(Env.of(env(name))).kafka());
        for (String name : names("worker-")) {
            Map<String, String> env = new HashMap<>(env(name));
            env.put("FULFILLMENT_TASKS_FILE", ROOT.resolve("deploy/fulfillment-tasks.json").toString());
            FulfillmentConfig config = FulfillmentConfig.from(Env.of(env));
            checkKafka(config.kafka());
            assertThat(config.tasks().active()).isNotEmpty();
        }
        for (String name : names("streams-")) {
            StreamsServiceConfig config = StreamsServiceConfig.from(Env.of(env(name)));
            checkKafka(config.kafka());
            assertThat(config.applicationId()).isEqualTo("history-streams");
            assertThat(config.query().advertisedHost()).isEqualTo(name);
            // Directory writes (gateways) wait for the decisions this application publishes.
            for (String gateway : names("gateway-")) {
                assertThat(GatewayConfig.from(Env.of(env(gateway))).decisionsTopic()).isEqualTo(config.decisionsTopic());
            }
            assertThat(config.standbyReplicas()).isGreaterThanOrEqualTo(1);
            assertThat(services.get(name)).containsKey("volumes");
        }
        for (String name : appServices()) {
            assertThat(services.get(name)).as(name).containsKeys("healthcheck", "mem_limit", "depends_on");
        }
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
