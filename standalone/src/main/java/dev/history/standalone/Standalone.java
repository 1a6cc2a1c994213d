package dev.history.standalone;

import dev.history.common.Env;
import dev.history.common.http.HttpApp;
import dev.history.common.http.Metrics;
import dev.history.common.http.Readiness;
import dev.history.common.http.auth.Security;
import dev.history.fulfillment.FulfillmentConfig;
import dev.history.fulfillment.FulfillmentRoutes;
import dev.history.fulfillment.FulfillmentService;
import dev.history.common.privacy.ErasureSettings;
import dev.history.common.privacy.Erasures;
import dev.history.common.privacy.Privacy;
import dev.history.gateway.DirectoryWrites;
import dev.history.gateway.ErasureRoutes;
import dev.history.gateway.GatewayConfig;
import dev.history.gateway.GatewayRoutes;
import dev.history.gateway.HistoryWriter;
import dev.history.gateway.adapters.Adapters;
import dev.history.kafka.EmbeddedKafka;
import io.javalin.Javalin;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.history.streams.StreamsService;
import dev.history.streams.StreamsServiceConfig;

/**
 * Every service in one JVM, all routes on one HTTP port, on an embedded broker (or on
 * {@code KAFKA_BOOTSTRAP_SERVERS}). Started by {@link StandaloneMain}, and by tests on a temporary
 * {@code DATA_DIR}.
 */
public final class Standalone implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Standalone.class);

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final String bootstrapServers;
    private final Javalin app;
    private final StreamsService streams;
    private final FulfillmentService fulfillment;
    private Privacy privacy;

    private Standalone(Env env) {
        StandaloneConfig config = StandaloneConfig.from(env);
        try {
            EmbeddedKafka kafka = config.externalBootstrap() == null
                    ? EmbeddedKafka.start(config.dataDir(), config.kafkaPort()) : null;
            if (kafka != null) resources.add(kafka);
            bootstrapServers = kafka != null ? kafka.bootstrapServers() : config.externalBootstrap();
            Env effective = env.with(Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS", bootstrapServers,
                    "DATA_DIR", config.dataDir().toString()));
            GatewayConfig gateway = GatewayConfig.from(effective);
            StreamsServiceConfig streamsConfig = StreamsServiceConfig.from(effective);
            LOG.info("standalone settings: {} / {}", gateway, streamsConfig);

            // Crypto-shredding is always on here: secrets not configured are generated once and kept in DATA_DIR.
            ErasureSettings erasure = ErasureSettings.fromOrGenerate(effective, config.dataDir());
            LOG.info("crypto-shredding: {}", erasure);
            privacy = Privacy.start(erasure, gateway.kafka(), "standalone");
            resources.add(0, privacy);
            Metrics metrics = new Metrics("standalone");
            fulfillment = new FulfillmentService(FulfillmentConfig.from(effective), metrics.registry()).withPrivacy(privacy);
            resources.add(0, fulfillment);
            fulfillment.start();
            streams = StreamsService.start(streamsConfig, privacy).bind(metrics);
            resources.add(0, streams);
            Producer<String, byte[]> producer = new KafkaProducer<>(gateway.kafka().producer("ingest-gateway"));
            resources.add(0, producer);
            metrics.bind(producer);
            Map<String, BooleanSupplier> checks = new LinkedHashMap<>(streams.readinessChecks());
            checks.put("fulfillment", fulfillment::isReady);
            Security security = Security.create(gateway.auth(), gateway.kafka(), privacy);
            resources.add(0, security);
            DirectoryWrites directory = DirectoryWrites.start(gateway, producer, privacy);
            resources.add(0, directory);
            HistoryWriter writer = new HistoryWriter(producer, gateway.kafka().topics().historyEvents(), privacy);
            Erasures erasures = new Erasures(producer, gateway.kafka().topics(), privacy);
            resources.add(0, erasures);
            // Identity lookups of the adapters go to this process's own read side (unless DIRECTORY_LOOKUP_URL says otherwise).
            AtomicReference<URI> self = new AtomicReference<>();
            app = HttpApp.create(gateway.http(), security, metrics.http(),
                    new GatewayRoutes(gateway, writer),
                    directory,
                    new ErasureRoutes(erasures),
                    Adapters.create(gateway, writer, directory, self::get),
                    streams.routes(),
                    new FulfillmentRoutes(fulfillment),
                    Readiness.route(checks));
            app.start(gateway.http().port());
            self.set(URI.create("http://127.0.0.1:" + app.port()));
            resources.add(0, app::stop);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public static Standalone start(Env env) {
        return new Standalone(env);
    }

    public int port() {
        return app.port();
    }

    /** The HTTP app (its route table, for the security tests). */
    Javalin app() {
        return app;
    }

    /** The crypto-shredding keys and pseudonyms of this system (tests). */
    public Privacy privacy() {
        return privacy;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public boolean isReady() {
        return streams.isCaughtUp() && fulfillment.isReady();
    }

    /** Blocks until the Streams state is caught up and the worker ready (what {@code /health/ready} reports). */
    public Standalone awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isReady()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("not ready after " + timeout);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return this;
    }

    /** Stops HTTP first, then the services, then the broker (reverse order of start). */
    @Override
    public void close() {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("error while stopping {}: {}", resource, e.toString());
            }
        }
        resources.clear();
    }
}
