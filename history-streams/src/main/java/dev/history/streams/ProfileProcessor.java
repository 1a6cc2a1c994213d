package dev.history.streams;

import dev.history.common.Aliases;
import dev.history.common.CustomerProfile;
import java.util.Collection;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the current profile per username and turns each change into alias claims and releases, keyed
 * by alias: a phone number that a profile no longer has is released, so lookups by it stop matching.
 */
final class ProfileProcessor implements Processor<String, CustomerProfile, String, AliasChange> {
    private final ProcessedOffsets progress;
    private ProcessorContext<String, AliasChange> context;
    private KeyValueStore<String, CustomerProfile> profiles;

    ProfileProcessor(ProcessedOffsets progress) {
        this.progress = progress;
    }

    @Override
    public void init(ProcessorContext<String, AliasChange> context) {
        this.context = context;
        this.profiles = context.getStateStore(StoreNames.PROFILES);
        progress.started(context.taskId());
    }

    @Override
    public void close() {
        progress.closed(context.taskId());
    }

    @Override
    public void process(Record<String, CustomerProfile> record) {
        try {
            apply(record);
        } finally {
            progress.processed(context);
        }
    }

    /** A null value is a deletion (tombstone); a null key or a profile naming another user is poison. */
    private void apply(Record<String, CustomerProfile> record) {
        String username = record.key();
        if (username == null) throw new PoisonRecordException("profile record without key (username)");
        if (record.value() != null && !username.equals(record.value().username())) {
            throw new PoisonRecordException("profile of '" + record.value().username() + "' under key '" + username + "'");
        }
        CustomerProfile profile = record.value();
        Collection<String> before = Aliases.of(profiles.get(username)).values();
        Collection<String> after = Aliases.of(profile).values();
        for (String alias : before) {
            if (!after.contains(alias)) context.forward(record.withKey(alias).withValue(AliasChange.release(username)));
        }
        for (String alias : after) {
            context.forward(record.withKey(alias).withValue(AliasChange.claim(profile)));
        }
        if (profile == null) profiles.delete(username);
        else profiles.put(username, profile);
    }
}
