package dev.history.streams;

import dev.history.common.CustomerProfile;
import dev.history.common.JsonSerde;
import org.apache.kafka.common.serialization.Serde;

/** A profile claiming or releasing one alias; travels on the alias-keyed repartition topic. */
public record AliasChange(String op, String username, CustomerProfile profile) {
    public static final String CLAIM = "claim";
    public static final String RELEASE = "release";
    public static final Serde<AliasChange> SERDE = JsonSerde.of(AliasChange.class);

    static AliasChange claim(CustomerProfile profile) {
        return new AliasChange(CLAIM, profile.username(), profile);
    }

    static AliasChange release(String username) {
        return new AliasChange(RELEASE, username, null);
    }
}
