package dev.history.query;

import org.apache.kafka.streams.state.HostInfo;

/** Where a key's state lives: in this instance (which partition) or in another instance. */
record Placement(int partition, HostInfo remote) {
    boolean isLocal() {
        return remote == null;
    }
}
