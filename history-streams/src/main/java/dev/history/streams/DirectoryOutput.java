package dev.history.streams;

import dev.history.common.AliasChange;
import dev.history.common.DirectoryDecision;

/**
 * What the profile side emits: an alias change (keyed by alias, for the alias processor) or a decision
 * (keyed by username, for the decisions topic). Never leaves the sub-topology as this type.
 */
record DirectoryOutput(AliasChange change, DirectoryDecision decision) {
    static DirectoryOutput of(AliasChange change) {
        return new DirectoryOutput(change, null);
    }

    static DirectoryOutput of(DirectoryDecision decision) {
        return new DirectoryOutput(null, decision);
    }

    boolean isChange() {
        return change != null;
    }
}
