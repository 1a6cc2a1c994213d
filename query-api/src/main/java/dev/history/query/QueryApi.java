package dev.history.query;

import dev.history.common.KafkaSettings;
import dev.history.common.privacy.Privacy;
import io.javalin.config.JavalinConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Consumer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The read side, mounted by the history-streams process that holds the state: {@code GET /history},
 * {@code GET /history/stream}, {@code GET /getuserdata}, the widgets, and what decides whether a read
 * may be answered here (the owner of the key, caught-up partitions, consistency-token waits).
 *
 * <p>Two steps, because the topology must report to this side before the Kafka Streams instance exists:
 * construct it and hand {@link #progress()} and {@link #listener()} to the topology, then
 * {@link #attach} the running instance.
 */
public final class QueryApi implements AutoCloseable {
    private final QueryConfig config;
    private final ProcessedOffsets progress = new ProcessedOffsets();
    private final TimelineHub hub;
    private final Privacy privacy;
    private KafkaStreams streams;
    private CatchUp catchUp;
    private PositionWaits waits;

    public QueryApi(QueryConfig config) {
        this(config, Privacy.disabled());
    }

    /** @param privacy opens sealed fields and maps usernames and aliases to the pseudonyms the stores are keyed by */
    public QueryApi(QueryConfig config, Privacy privacy) {
        this.config = config;
        this.privacy = privacy;
        this.hub = new TimelineHub(config.stream(), new TimelineOpener(privacy));
    }

    /** Where the topology's processors report task starts and processed offsets. */
    public ProcessedOffsets progress() {
        return progress;
    }

    /** Where the timeline processor reports every change it materialised (live streams). */
    public TimelineListener listener() {
        return hub;
    }

    /**
     * Starts tracking the catch-up of {@code streams}' active partitions (of history-events, customer-profiles
     * and {@code aliasChangesTopic}); reads answer 503 until a partition is caught up.
     */
    public QueryApi attach(KafkaStreams streams, KafkaSettings kafka, String applicationId, String aliasChangesTopic) {
        this.streams = streams;
        this.catchUp = new CatchUp(streams, progress, kafka, applicationId, aliasChangesTopic);
        this.waits = new PositionWaits(catchUp, progress);
        catchUp.start();
        return this;
    }

    /** Every active input partition caught up with the end it had when its task started. */
    public boolean isCaughtUp() {
        return catchUp.isReady();
    }

    /** The read routes, for this process's HTTP app; {@code port} is the port other instances forward to. */
    public Consumer<JavalinConfig> routes(int port) {
        HostInfo self = new HostInfo(config.advertisedHost(), port);
        KeyLocator locator = new KeyLocator(streams, self);
        ConsistentReads reads = new ConsistentReads(locator, new Forwarder(), catchUp, waits, config.consistencyWaitMs());
        TimelineRoutes timeline = new TimelineRoutes(locator, reads, config.defaultLimit(), config.maxLimit(), privacy);
        LookupRoutes lookup = new LookupRoutes(locator, reads, privacy);
        StreamRoutes live = new StreamRoutes(locator, catchUp, streams, self, hub, privacy);
        WebAssets assets = new WebAssets();
        return javalin -> {
            timeline.accept(javalin);
            lookup.accept(javalin);
            live.accept(javalin);
            assets.accept(javalin);
        };
    }

    /** Open streams and dropped slow clients. */
    public void bind(MeterRegistry registry) {
        hub.bind(registry);
    }

    /** Ends the live streams, so their clients reconnect to an instance that stays; first thing on a stop. */
    public void endLiveStreams() {
        hub.close();
    }

    @Override
    public void close() {
        hub.close();
        if (waits != null) waits.close();
        if (catchUp != null) catchUp.close();
    }
}
