package dev.history.standalone;

import dev.history.common.Env;
import dev.history.common.http.HttpApp;
import dev.history.gateway.DirectoryWrites;
import dev.history.gateway.GatewayConfig;
import dev.history.gateway.GatewayRoutes;
import dev.history.gateway.HistoryWriter;
import io.javalin.Javalin;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import dev.history.common.privacy.ErasureSettings;
import dev.history.common.privacy.Privacy;
import dev.history.streams.StreamsService;
import dev.history.streams.StreamsServiceConfig;

/** Single services wired as their mains wire them, in the test JVM, each on its own port. */
final class TestServices {
    private TestServices() {}

    record Streams(StreamsService service, TestHttp http, int port) {}

    static TestHttp gateway(Map<String, String> env, List<AutoCloseable> resources) {
        GatewayConfig config = GatewayConfig.from(Env.of(env));
        config.kafka().ensureTopics(config.kafka().topics().definitions(
                config.kafka().partitions(), config.kafka().replicationFactor(), config.kafka().minInsyncReplicas()));
        Producer<String, byte[]> producer = new KafkaProducer<>(config.kafka().producer("test-gateway"));
        resources.add(producer);
        Privacy privacy = Privacy.start(ErasureSettings.from(Env.of(env)), config.kafka(), "test-gateway");
        resources.add(privacy);
        DirectoryWrites directory = DirectoryWrites.start(config, producer, privacy);
        resources.add(directory);
        Javalin app = HttpApp.create(config.http(),
                new GatewayRoutes(config, new HistoryWriter(producer, config.kafka().topics().historyEvents(), privacy)),
                directory).start(0);
        resources.add(app::stop);
        return new TestHttp(app.port());
    }

    static Streams streams(Map<String, String> env, String name, List<AutoCloseable> resources) {
        return streams(env, name, resources, TestSystems.freePort());
    }

    static Streams streams(Map<String, String> env, String name, List<AutoCloseable> resources, int port) {
        StreamsServiceConfig config = StreamsServiceConfig.from(Env.of(env).with(Map.of(
                "HTTP_PORT", Integer.toString(port),
                "STATE_DIR", TestSystems.tempDir("streams-" + name).toString())));
        Privacy privacy = Privacy.start(ErasureSettings.from(Env.of(env)), config.kafka(), "test-streams-" + name);
        resources.add(privacy);
        StreamsService service = StreamsService.start(config, privacy);
        resources.add(service);
        Javalin app = HttpApp.create(config.http(), service.routes(), service.readiness()).start(port);
        resources.add(app::stop);
        return new Streams(service, new TestHttp(port), port);
    }

    static void awaitReady(TestHttp http) {
        TestSystems.await("ready", Duration.ofSeconds(60), () -> {
            try {
                return http.get("/health/ready").status() == 200;
            } catch (AssertionError notListeningYet) {
                return false;
            }
        });
    }
}
