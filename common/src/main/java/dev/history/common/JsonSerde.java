package dev.history.common;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** JSON values on Kafka through the shared mapper; null stays null (tombstones). */
public final class JsonSerde {
    private JsonSerde() {}

    public static <T> Serde<T> of(Class<T> type) {
        Serializer<T> serializer = (topic, value) -> value == null ? null : Json.write(value);
        Deserializer<T> deserializer = (topic, bytes) -> bytes == null ? null : Json.read(bytes, type);
        return Serdes.serdeFrom(serializer, deserializer);
    }

    public static final Serde<HistoryCommand> HISTORY_COMMAND = of(HistoryCommand.class);
    public static final Serde<CustomerProfile> CUSTOMER_PROFILE = of(CustomerProfile.class);
}
