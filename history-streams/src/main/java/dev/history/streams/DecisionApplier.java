package dev.history.streams;

import dev.history.common.Aliases;
import dev.history.common.CustomerProfile;
import java.util.List;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.history.query.StoreNames;
import dev.history.query.ProcessedOffsets;
import dev.history.common.AliasChange;
import dev.history.common.DirectoryDecision;
import dev.history.common.WriteId;

/**
 * The profile side of the directory decisions: collects the alias processor's decisions about the
 * user's pending write; once all are in, strips every refused alias from the stored profile (a profile
 * never lists an alias it does not hold), sends refresh claims for the aliases it kept (so the
 * directory's copies of the profile lose the refused ones too) and emits {@code settled}. Decisions
 * about a write that a later write of the same user superseded change nothing (the later write's own
 * decisions count); they are answered with a {@code settled} so their writer is not left waiting.
 */
final class DecisionApplier extends TrackedProcessor<String, DirectoryDecision, String, DirectoryOutput> {
    private static final Logger LOG = LoggerFactory.getLogger(DecisionApplier.class);

    private KeyValueStore<String, CustomerProfile> profiles;
    private KeyValueStore<String, PendingWrite> pending;

    DecisionApplier(ProcessedOffsets progress) {
        super(progress);
    }

    @Override
    protected void open(ProcessorContext<String, DirectoryOutput> context) {
        this.profiles = context.getStateStore(StoreNames.PROFILES);
        this.pending = context.getStateStore(StoreNames.PENDING_WRITES);
    }

    @Override
    protected void apply(Record<String, DirectoryDecision> record) {
        String username = record.key();
        DirectoryDecision decision = record.value();
        if (username == null) throw new PoisonRecordException("directory decision without key (username)");
        if (decision == null || decision.type() == null) throw new PoisonRecordException("directory decision without type");
        if (!DirectoryDecision.ALIAS.equals(decision.type()) && !DirectoryDecision.SETTLED.equals(decision.type())) {
            throw new PoisonRecordException("unknown directory decision type '" + decision.type() + "'");
        }
        if (!DirectoryDecision.ALIAS.equals(decision.type()) || decision.isRefresh()) return; // our own output
        if (decision.alias() == null || decision.profileOffset() == null || decision.accepted() == null) {
            throw new PoisonRecordException("alias decision without alias, profile offset or outcome");
        }
        PendingWrite write = pending.get(username);
        if (write == null || write.profileOffset() != decision.profileOffset()) {
            if (decision.requestId() != null) {
                context.forward(record.withValue(DirectoryOutput.of(DirectoryDecision.settled(username, decision.requestId(),
                        decision.profileOffset(), decision.expected() == null ? 0 : decision.expected(), 0, List.of()))));
            }
            return;
        }
        boolean refusedClaim = AliasChange.CLAIM.equals(decision.op()) && !decision.accepted();
        write = write.decide(decision.alias(), refusedClaim);
        if (!write.complete()) {
            pending.put(username, write);
            return;
        }
        pending.delete(username);
        int refreshes = 0;
        if (!write.refused().isEmpty()) {
            CustomerProfile stripped = strip(profiles.get(username), write.refused());
            if (stripped != null) {
                profiles.put(username, stripped);
                WriteId id = new WriteId(write.requestId(), write.profileOffset());
                List<String> kept = List.copyOf(Aliases.of(stripped).values());
                for (String alias : kept) {
                    context.forward(record.withKey(alias).withValue(DirectoryOutput.of(AliasChange.refresh(stripped, id, kept.size()))));
                }
                refreshes = kept.size();
            }
            LOG.info("profile key={} write at offset {}: refused aliases {} stripped, {} refreshed", username,
                    write.profileOffset(), write.refused(), refreshes);
        }
        context.forward(record.withValue(DirectoryOutput.of(DirectoryDecision.settled(username, write.requestId(),
                write.profileOffset(), write.expected(), refreshes, write.refused()))));
    }

    /** The profile without the refused aliases (null when there is no profile). */
    static CustomerProfile strip(CustomerProfile profile, List<String> refused) {
        if (profile == null) return null;
        return new CustomerProfile(profile.username(), profile.name(),
                refused.contains(Aliases.key(Aliases.ANI, profile.ani())) ? null : profile.ani(),
                refused.contains(Aliases.key(Aliases.EMAIL, profile.email())) ? null : profile.email(),
                refused.contains(Aliases.key(Aliases.PSID, profile.psid())) ? null : profile.psid(),
                profile.msisdn(), profile.preferredChannel(), profile.updatedAt(), profile.sealed());
    }
}
