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
    private final KafkaStreams streams;
    private final HostInfo self;

    KeyLocator(KafkaStreams streams, HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    Placement locate(String store, String key) {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
            throw ApiError.unavailable("history state is not queryable yet (" + state + ")", 1);
        }
        KeyQueryMetadata metadata;
        try {
            metadata = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
        } catch (IllegalStateException e) {
            throw ApiError.unavailable("history state is not queryable yet: " + e.getMessage(), 1);
        }
        if (metadata == null || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata)) {
            throw ApiError.unavailable("the owner of this customer is not known yet (rebalancing)", 1);
        }
        HostInfo active = metadata.activeHost();
        return self.equals(active)
                ? new Placement(metadata.partition(), null, false)
                : new Placement(metadata.partition(), active, metadata.standbyHosts().contains(self));
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
