package dev.history.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.history.common.http.ApiError;
import java.util.Set;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

/** An unknown active host (HostInfo.unavailable(), port -1) is never forwarded to (it was: http://unavailable:-1 → 500). */
class KeyLocatorTest {
    private static final HostInfo SELF = new HostInfo("localhost", 8081);

    private static KeyLocator locator(KeyQueryMetadata metadata) {
        return new KeyLocator(null, new KeyLocator.Ownership() {
            @Override
            public KafkaStreams.State state() {
                return KafkaStreams.State.RUNNING;
            }

            @Override
            public KeyQueryMetadata metadata(String store, String key) {
                return metadata;
            }
        }, SELF);
    }

    @Test
    void unknownActiveHostWithoutALocalStandbyIs503() {
        KeyLocator locator = locator(new KeyQueryMetadata(HostInfo.unavailable(), Set.of(new HostInfo("other", 8082)), 3));
        assertThatThrownBy(() -> locator.locate("timeline", "alice"))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(503));
    }

    @Test
    void unknownActiveHostWithALocalStandbyIsAnsweredHere() {
        Placement placement = locator(new KeyQueryMetadata(HostInfo.unavailable(), Set.of(SELF), 3)).locate("timeline", "alice");
        assertThat(placement.ownerUnknown()).isTrue();
        assertThat(placement.standbyHere()).isTrue();
        assertThat(placement.isLocal()).isFalse();
        assertThat(placement.remote()).isNull();
        assertThat(placement.partition()).isEqualTo(3);
    }

    @Test
    void knownHostsAreLocalOrForwarded() {
        assertThat(locator(new KeyQueryMetadata(SELF, Set.of(), 1)).locate("timeline", "a").isLocal()).isTrue();
        HostInfo other = new HostInfo("other", 8082);
        Placement remote = locator(new KeyQueryMetadata(other, Set.of(SELF), 1)).locate("timeline", "a");
        assertThat(remote.remote()).isEqualTo(other);
        assertThat(remote.standbyHere()).isTrue();
        assertThatThrownBy(() -> locator(KeyQueryMetadata.NOT_AVAILABLE).locate("timeline", "a")).isInstanceOf(ApiError.class);
    }
}
