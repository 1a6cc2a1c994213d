package dev.history.query;

import org.apache.kafka.streams.state.HostInfo;

/**
 * Where a key's state lives: in this instance (which partition) or in another instance, and whether
 * this instance keeps a standby copy it can answer from while that instance is unreachable.
 */
record Placement(int partition, HostInfo remote, boolean standbyHere) {
    boolean isLocal() {
        return remote == null;
    }
}
