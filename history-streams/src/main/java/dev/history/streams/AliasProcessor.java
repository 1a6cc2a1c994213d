package dev.history.streams;

import dev.history.common.CustomerProfile;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.history.query.StoreNames;
import dev.history.query.ProcessedOffsets;
import dev.history.common.AliasChange;
import dev.history.common.DirectoryDecision;

/**
 * Owns the alias → profile directory and decides: the first profile to claim an alias keeps it until
 * it releases it; a competing claim is refused. Every change's decision goes back, keyed by username,
 * to the decisions topic (the profile side strips refused aliases; the writer's HTTP request answers
 * 200 or 409 from it), with the alias-changes position it was made at (the writer's Consistency-Token).
 * A refresh (the profile after a refused alias was stripped) updates the copy only while the profile
 * still owns the alias.
 */
final class AliasProcessor extends TrackedProcessor<String, AliasChange, String, DirectoryDecision> {
    private static final Logger LOG = LoggerFactory.getLogger(AliasProcessor.class);

    private KeyValueStore<String, CustomerProfile> aliases;

    AliasProcessor(ProcessedOffsets progress) {
        super(progress);
    }

    @Override
    protected void open(ProcessorContext<String, DirectoryDecision> context) {
        this.aliases = context.getStateStore(StoreNames.ALIASES);
    }

    @Override
    protected void apply(Record<String, AliasChange> record) {
        String alias = record.key();
        AliasChange change = record.value();
        if (alias == null) throw new PoisonRecordException("alias change without key (alias)");
        if (change == null) throw new PoisonRecordException("alias change without value");
        if (change.username() == null) throw new PoisonRecordException("alias change without username");
        boolean claim = AliasChange.CLAIM.equals(change.op()) || AliasChange.REFRESH.equals(change.op());
        if (!claim && !AliasChange.RELEASE.equals(change.op())) {
            throw new PoisonRecordException("unknown alias change op '" + change.op() + "'");
        }
        if (claim && (change.profile() == null || !change.username().equals(change.profile().username()))) {
            throw new PoisonRecordException("claim without the claiming profile");
        }
        CustomerProfile owner = aliases.get(alias);
        boolean ownedByChanger = owner != null && owner.username().equals(change.username());
        boolean accepted;
        String holder;
        if (AliasChange.RELEASE.equals(change.op())) {
            if (ownedByChanger) aliases.delete(alias);
            accepted = true;
            holder = ownedByChanger || owner == null ? null : owner.username();
        } else if (AliasChange.REFRESH.equals(change.op())) {
            if (ownedByChanger) aliases.put(alias, change.profile());
            accepted = ownedByChanger;
            holder = owner == null ? null : owner.username();
        } else if (owner == null || ownedByChanger) {
            aliases.put(alias, change.profile());
            accepted = true;
            holder = change.username();
        } else {
            accepted = false;
            holder = owner.username();
        }
        var meta = context.recordMetadata().orElseThrow();
        if (!accepted && AliasChange.CLAIM.equals(change.op())) {
            LOG.warn("alias {} already belongs to {}; claim by {} refused (topic={} partition={} offset={})",
                    alias, holder, change.username(), meta.topic(), meta.partition(), meta.offset());
        }
        context.forward(record.withKey(change.username()).withValue(
                DirectoryDecision.alias(alias, change, accepted, holder, meta.topic(), meta.partition(), meta.offset())));
    }
}
