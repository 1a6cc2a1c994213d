package dev.history.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.history.common.CustomerProfile;
import dev.history.common.JsonSerde;
import org.apache.kafka.common.serialization.Serde;

/**
 * A profile claiming, releasing or refreshing one alias; travels on the alias-keyed repartition topic.
 * {@code requestId}, {@code profileOffset} and {@code expected} (how many alias changes the write made)
 * identify the profile write the change belongs to; they travel back on the alias processor's decision.
 * A refresh updates the directory's copy of a profile whose refused aliases were stripped, and only
 * while the profile still owns the alias.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AliasChange(String op, String username, CustomerProfile profile, String requestId, Long profileOffset,
        Integer expected) {
    /** Name of the alias-keyed repartition topic (after the application id) the aliases store consumes. */
    public static final String REPARTITION_NAME = "alias-changes";
    public static final String CLAIM = "claim";
    public static final String RELEASE = "release";
    public static final String REFRESH = "refresh";
    public static final Serde<AliasChange> SERDE = JsonSerde.of(AliasChange.class);

    /** The alias repartition topic of Streams application {@code applicationId}. */
    public static String topic(String applicationId) {
        return applicationId + "-" + REPARTITION_NAME + "-repartition";
    }

    public static AliasChange claim(CustomerProfile profile, WriteId write, int expected) {
        return new AliasChange(CLAIM, profile.username(), profile, write.requestId(), write.profileOffset(), expected);
    }

    public static AliasChange release(String username, WriteId write, int expected) {
        return new AliasChange(RELEASE, username, null, write.requestId(), write.profileOffset(), expected);
    }

    public static AliasChange refresh(CustomerProfile profile, WriteId write, int expected) {
        return new AliasChange(REFRESH, profile.username(), profile, write.requestId(), write.profileOffset(), expected);
    }
}
