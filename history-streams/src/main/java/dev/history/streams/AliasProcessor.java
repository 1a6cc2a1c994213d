package dev.history.streams;

import dev.history.common.CustomerProfile;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the alias → profile directory. The first profile to claim an alias keeps it until it releases
 * it; a competing claim is refused here (the API already answers 409 when it sees the conflict, this
 * settles the race between two concurrent writers deterministically).
 */
final class AliasProcessor implements Processor<String, AliasChange, Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(AliasProcessor.class);

    private final ProcessedOffsets progress;
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, CustomerProfile> aliases;

    AliasProcessor(ProcessedOffsets progress) {
        this.progress = progress;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.aliases = context.getStateStore(StoreNames.ALIASES);
        progress.started(context.taskId());
    }

    @Override
    public void close() {
        progress.closed(context.taskId());
    }

    @Override
    public void process(Record<String, AliasChange> record) {
        try {
            apply(record);
        } finally {
            progress.processed(context);
        }
    }

    private void apply(Record<String, AliasChange> record) {
        String alias = record.key();
        AliasChange change = record.value();
        if (alias == null) throw new PoisonRecordException("alias change without key (alias)");
        if (change == null) throw new PoisonRecordException("alias change without value");
        if (change.username() == null) throw new PoisonRecordException("alias change without username");
        boolean claim = AliasChange.CLAIM.equals(change.op());
        if (!claim && !AliasChange.RELEASE.equals(change.op())) {
            throw new PoisonRecordException("unknown alias change op '" + change.op() + "'");
        }
        if (claim && (change.profile() == null || !change.username().equals(change.profile().username()))) {
            throw new PoisonRecordException("claim without the claiming profile");
        }
        CustomerProfile owner = aliases.get(alias);
        boolean ownedByChanger = owner != null && owner.username().equals(change.username());
        if (AliasChange.RELEASE.equals(change.op())) {
            if (ownedByChanger) aliases.delete(alias);
        } else if (owner == null || ownedByChanger) {
            aliases.put(alias, change.profile());
        } else {
            LOG.warn("alias {} already belongs to {}; claim by {} refused", alias, owner.username(), change.username());
        }
    }
}
