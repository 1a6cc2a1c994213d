package dev.history.streams;

import dev.history.common.Aliases;
import dev.history.common.CustomerProfile;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import dev.history.query.StoreNames;
import dev.history.query.ProcessedOffsets;
import dev.history.common.AliasChange;
import dev.history.common.DirectoryDecision;
import dev.history.common.WriteId;

/**
 * Keeps the current profile per username and turns each change into alias claims and releases, keyed
 * by alias: a phone number that a profile no longer has is released, so lookups by it stop matching.
 * The write stays pending ({@link StoreNames#PENDING_WRITES}) until the alias processor's decisions
 * about all its changes are back ({@link DecisionApplier}); a write without alias changes is settled at once.
 */
final class ProfileProcessor extends TrackedProcessor<String, CustomerProfile, String, DirectoryOutput> {
    private KeyValueStore<String, CustomerProfile> profiles;
    private KeyValueStore<String, PendingWrite> pending;

    ProfileProcessor(ProcessedOffsets progress) {
        super(progress);
    }

    @Override
    protected void open(ProcessorContext<String, DirectoryOutput> context) {
        this.profiles = context.getStateStore(StoreNames.PROFILES);
        this.pending = context.getStateStore(StoreNames.PENDING_WRITES);
    }

    /** A null value is a deletion (tombstone); a null key or a profile naming another user is poison. */
    @Override
    protected void apply(Record<String, CustomerProfile> record) {
        String username = record.key();
        if (username == null) throw new PoisonRecordException("profile record without key (username)");
        if (record.value() != null && !username.equals(record.value().username())) {
            throw new PoisonRecordException("profile of '" + record.value().username() + "' under key '" + username + "'");
        }
        CustomerProfile profile = record.value();
        WriteId write = new WriteId(requestId(record),
                context.recordMetadata().map(m -> m.offset()).orElse(-1L));
        Collection<String> before = Aliases.of(profiles.get(username)).values();
        Collection<String> after = Aliases.of(profile).values();
        List<String> released = new ArrayList<>();
        for (String alias : before) {
            if (!after.contains(alias)) released.add(alias);
        }
        int expected = released.size() + after.size();
        for (String alias : released) {
            context.forward(record.withKey(alias).withValue(DirectoryOutput.of(AliasChange.release(username, write, expected))));
        }
        for (String alias : after) {
            context.forward(record.withKey(alias).withValue(DirectoryOutput.of(AliasChange.claim(profile, write, expected))));
        }
        if (profile == null) profiles.delete(username);
        else profiles.put(username, profile);
        if (expected == 0) {
            pending.delete(username);
            context.forward(record.withValue(DirectoryOutput.of(
                    DirectoryDecision.settled(username, write.requestId(), write.profileOffset(), 0, 0, List.of()))));
        } else {
            pending.put(username, new PendingWrite(write.requestId(), write.profileOffset(), expected, 0, List.of()));
        }
    }

    private static String requestId(Record<?, ?> record) {
        Header header = record.headers().lastHeader(DirectoryDecision.REQUEST_ID_HEADER);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
