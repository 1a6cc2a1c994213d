package dev.history.query;

import dev.history.common.http.ApiError;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreType;

/**
 * Finds the instance that owns a key (Kafka Streams metadata from {@code application.server}) and
 * opens local stores for exactly that key's partition. While ownership is unknown (start-up,
 * rebalance, restoration) it answers 503 with Retry-After rather than a wrong empty answer.
 */
final class KeyLocator {
    /** Who owns what: Kafka Streams' metadata (an interface so the unknown-owner cases can be tested). */
    interface Ownership {
        KafkaStreams.State state();

        KeyQueryMetadata metadata(String store, String key);
    }

    private final KafkaStreams streams;
    private final Ownership ownership;
    private final HostInfo self;

    KeyLocator(KafkaStreams streams, HostInfo self) {
        this(streams, new Ownership() {
            @Override
            public KafkaStreams.State state() {
                return streams.state();
            }

            @Override
            public KeyQueryMetadata metadata(String store, String key) {
                return streams.queryMetadataForKey(store, key, Serdes.String().serializer());
            }
        }, self);
    }

    KeyLocator(KafkaStreams streams, Ownership ownership, HostInfo self) {
        this.streams = streams;
        this.ownership = ownership;
        this.self = self;
    }

    /**
     * The key's placement. An active host that is unknown ({@link HostInfo#unavailable()}, port -1:
     * the group knows the partition but not who runs it) is not forwarded to: it is a 503, or the
     * local standby when this instance holds one.
     */
    Placement locate(String store, String key) {
        KafkaStreams.State state = ownership.state();
        if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
            throw ApiError.unavailable("history state is not queryable yet (" + state + ")", 1);
        }
        KeyQueryMetadata metadata;
        try {
            metadata = ownership.metadata(store, key);
        } catch (IllegalStateException e) {
            throw ApiError.unavailable("history state is not queryable yet: " + e.getMessage(), 1);
        }
        if (metadata == null || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata)) {
            throw ApiError.unavailable("the owner of this customer is not known yet (rebalancing)", 1);
        }
        HostInfo active = metadata.activeHost();
        boolean standbyHere = metadata.standbyHosts().contains(self);
        if (self.equals(active)) return new Placement(metadata.partition(), null, false, false);
        if (active == null || active.port() <= 0 || HostInfo.unavailable().equals(active)) {
            if (!standbyHere) throw ApiError.unavailable("the instance owning this customer is not known right now", 1);
            return new Placement(metadata.partition(), null, true, true);
        }
        return new Placement(metadata.partition(), active, standbyHere, false);
    }

    /**
     * Reads the local store of one partition; 503 while that partition is restoring or moving away
     * (the store handle can fail on first use, so the read itself is guarded too).
     */
    <T, R> R read(String store, QueryableStoreType<T> type, int partition, Function<T, R> reader) {
        return read(store, type, partition, false, reader);
    }

    /** @param standby read this instance's standby copy (possibly a little behind the active one) */
    <T, R> R read(String store, QueryableStoreType<T> type, int partition, boolean standby, Function<T, R> reader) {
        StoreQueryParameters<T> params = StoreQueryParameters.fromNameAndType(store, type).withPartition(partition);
        try {
            return reader.apply(streams.store(standby ? params.enableStaleStores() : params));
        } catch (InvalidStateStoreException e) {
            throw ApiError.unavailable("history state for this customer is moving or restoring", 1);
        }
    }

    static ApiError moving() {
        return ApiError.unavailable("history state for this customer is moving between instances", 1);
    }
}
