package dev.history.streams;

import dev.history.common.Env;
import dev.history.common.privacy.ErasureSettings;
import dev.history.common.privacy.Privacy;
import dev.history.common.http.GracefulStop;
import dev.history.common.http.HttpApp;
import dev.history.common.http.Metrics;
import dev.history.common.http.Readiness;
import dev.history.common.http.auth.Security;
import io.javalin.Javalin;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs history-streams with its query-api against {@code KAFKA_BOOTSTRAP_SERVERS}. */
public final class StreamsMain {
    private static final Logger LOG = LoggerFactory.getLogger(StreamsMain.class);

    private StreamsMain() {}

    public static void main(String[] args) {
        StreamsServiceConfig config = StreamsServiceConfig.from(Env.system());
        LOG.info("starting history-streams: {}", config);
        ErasureSettings erasure = ErasureSettings.from(Env.system());
        erasure.log(LOG);
        Privacy privacy = Privacy.start(erasure, config.kafka(), "history-streams");
        StreamsService service = StreamsService.start(config, privacy);
        Metrics metrics = new Metrics("history-streams");
        service.bind(metrics);
        Security security = Security.create(config.auth(), config.kafka(), privacy);
        GracefulStop stop = new GracefulStop().afterDrain(service::endLiveStreams);
        Map<String, BooleanSupplier> checks = new LinkedHashMap<>(service.readinessChecks());
        checks.put("accepting", stop::accepting);
        Javalin app = HttpApp.create(config.http(), security, metrics.http(), service.routes(), Readiness.route(checks))
                .start(config.http().port());
        LOG.info("history-streams query-api listening on http://localhost:{} (application.server {})",
                app.port(), config.applicationServer());
        Runtime.getRuntime().addShutdownHook(stop.hook("shutdown", app, config.http(), service, privacy));
    }
}
