package dev.history.gateway.adapters;

import dev.history.gateway.DirectoryWrites;
import dev.history.gateway.GatewayConfig;
import dev.history.gateway.HistoryWriter;
import io.javalin.config.JavalinConfig;
import java.net.URI;
import java.time.Clock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The ecosystem adapters' routes, wired from the gateway's config: {@code POST /events} (CloudEvents 1.0) and
 * {@code POST /adapters/webex-cc} (Webex Contact Center task notifications). See docs/ADAPTERS.md.
 */
public final class Adapters implements Consumer<JavalinConfig> {
    private final CloudEventsRoutes cloudEvents;
    private final WebexTaskRoutes webex;

    private Adapters(CloudEventsRoutes cloudEvents, WebexTaskRoutes webex) {
        this.cloudEvents = cloudEvents;
        this.webex = webex;
    }

    /**
     * @param localLookup the read side in this process (standalone: its own HTTP port), used when
     *     {@code DIRECTORY_LOOKUP_URL} is not set; a supplier of null when there is none
     * @throws IllegalArgumentException (at start) for a mapping file that is invalid or names an unregistered source
     */
    public static Adapters create(GatewayConfig config, HistoryWriter writer, DirectoryWrites directory, Supplier<URI> localLookup) {
        AdapterSettings settings = config.adapters();
        CloudEventMapping mapping = settings.mapping().checkedAgainst(config.sources());
        Supplier<URI> lookupBase = settings.lookupUrl() != null ? settings::lookupUrl : localLookup;
        CustomerResolver customers = new CustomerResolver(
                new DirectoryLookup(lookupBase, settings.lookupToken(), settings.lookupTimeout()), directory, settings.unknownCustomer());
        TimelineWriter timeline = new TimelineWriter(config.rules(), writer);
        return new Adapters(
                new CloudEventsRoutes(new CloudEventIngest(mapping, customers, timeline), config.maxEventBytes(),
                        config.http().maxRequestBytes(), config.batchMaxItems()),
                new WebexTaskRoutes(new WebexSignature(settings.webexSecret(), settings.webexMaxSkew(), Clock.systemUTC()),
                        customers, timeline, config.maxEventBytes()));
    }

    @Override
    public void accept(JavalinConfig javalin) {
        cloudEvents.accept(javalin);
        webex.accept(javalin);
    }
}
