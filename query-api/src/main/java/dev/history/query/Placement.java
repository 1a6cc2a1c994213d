package dev.history.query;

import org.apache.kafka.streams.state.HostInfo;

/**
 * Where a key's state lives: in this instance (which partition), in another instance, or with an
 * owner nobody knows right now ({@code ownerUnknown}: {@code HostInfo.unavailable()}, e.g. the owner
 * died and the group has not reassigned yet), and whether this instance keeps a standby copy.
 */
record Placement(int partition, HostInfo remote, boolean standbyHere, boolean ownerUnknown) {
    boolean isLocal() {
        return remote == null && !ownerUnknown;
    }
}
