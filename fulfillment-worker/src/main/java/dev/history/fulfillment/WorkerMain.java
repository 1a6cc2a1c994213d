package dev.history.fulfillment;

import dev.history.common.Env;
import dev.history.common.http.GracefulStop;
import dev.history.common.http.HttpApp;
import dev.history.common.http.HttpSettings;
import dev.history.common.http.Metrics;
import dev.history.common.http.Readiness;
import dev.history.common.http.auth.Security;
import io.javalin.Javalin;
import java.time.Duration;
import java.util.Map;

/** {@code bin/pipeline worker}: the fulfillment worker and its routes alone. Only wiring. */
public final class WorkerMain {
    private WorkerMain() {}

    public static void main(String[] args) {
        Env env = Env.system();
        FulfillmentConfig config = FulfillmentConfig.from(env);
        HttpSettings http = HttpSettings.from(env);
        Metrics metrics = new Metrics("fulfillment-worker");
        config.erasure().log(org.slf4j.LoggerFactory.getLogger(WorkerMain.class));
        FulfillmentService service = new FulfillmentService(config, metrics.registry());
        // The audit trail needs only the pseudonyms; the service loads the data keys once Kafka answers.
        Security security = Security.create(config.auth(), config.kafka(),
                dev.history.common.privacy.Privacy.pseudonymsOnly(config.erasure()));
        GracefulStop stop = new GracefulStop();
        Javalin app = HttpApp.create(http, security, metrics.http(), new FulfillmentRoutes(service),
                Readiness.route(Map.of("fulfillment", service::isReady, "accepting", stop::accepting)));
        app.start(http.port());
        // Kafka may not answer yet (a cold cluster can time out the first initTransactions): keep trying, not ready meanwhile.
        service.startRetrying(Duration.ofSeconds(2));
        Runtime.getRuntime().addShutdownHook(stop.hook("fulfillment-shutdown", app, http, service));
    }
}
