package dev.history.gateway;

import dev.history.common.Aliases;
import dev.history.common.AsyncSends;
import dev.history.common.ConsistencyToken;
import dev.history.common.CustomerProfile;
import dev.history.common.Json;
import dev.history.common.privacy.Privacy;
import dev.history.common.privacy.SealedProfiles;
import dev.history.common.Timestamps;
import dev.history.common.http.ApiError;
import dev.history.common.http.Fields;
import dev.history.common.http.RequestBodies;
import dev.history.common.http.Responses;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.history.common.DirectoryDecision;

/**
 * Directory writes: {@code POST|PUT /userdata} upserts a profile through the compacted profiles topic,
 * {@code DELETE /userdata} writes its tombstone. The alias processor (history-streams) is the one
 * authority over who holds an alias, so the answer waits (bounded, asynchronously) for what it decided
 * about this write ({@link DirectoryDecisions}): 200, or 409 when another customer holds an alias (the
 * stored profile then lacks that alias), or 503 when no decision came in time. The answer's
 * Consistency-Token names the profile write and the alias-changes positions of its decisions, so a
 * directory read presenting it sees exactly this write's effect.
 */
public final class DirectoryWrites implements Consumer<JavalinConfig>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryWrites.class);
    private static final List<String> KINDS = List.of(Aliases.ANI, Aliases.EMAIL, Aliases.PSID);
    private static final int MAX_FIELD = 256;

    private final Producer<String, byte[]> producer;
    private final String profilesTopic;
    private final DirectoryDecisions decisions;
    private final long decisionWaitMs;
    private final Privacy privacy;

    private DirectoryWrites(Producer<String, byte[]> producer, String profilesTopic, DirectoryDecisions decisions,
            long decisionWaitMs, Privacy privacy) {
        this.privacy = privacy;
        this.producer = producer;
        this.profilesTopic = profilesTopic;
        this.decisions = decisions;
        this.decisionWaitMs = decisionWaitMs;
    }

    /** The routes, writing with {@code producer} and listening to the directory's decisions from now on. */
    public static DirectoryWrites start(GatewayConfig config, Producer<String, byte[]> producer) {
        return start(config, producer, Privacy.disabled());
    }

    /** As above, storing profiles sealed ({@link SealedProfiles}) when {@code privacy} is on. */
    public static DirectoryWrites start(GatewayConfig config, Producer<String, byte[]> producer, Privacy privacy) {
        // The gateway may start before history-streams has created the topic its answers wait on.
        config.kafka().ensureTopics(List.of(DirectoryDecision.definition(config.decisionsTopic(), config.kafka())));
        DirectoryDecisions decisions = new DirectoryDecisions(config.kafka(), "ingest-gateway-directory-decisions",
                config.decisionsTopic());
        decisions.start();
        return new DirectoryWrites(producer, config.kafka().topics().customerProfiles(), decisions, config.decisionWaitMs(),
                privacy);
    }

    @Override
    public void close() {
        decisions.close();
    }

    @Override
    public void accept(JavalinConfig config) {
        config.routes.post("/userdata", this::upsert);
        config.routes.put("/userdata", this::upsert);
        config.routes.delete("/userdata", this::remove);
    }

    private void upsert(Context ctx) {
        Fields fields = RequestBodies.fields(ctx, 16 * 1024);
        String username = required(fields, "username");
        CustomerProfile profile = new CustomerProfile(username,
                optional(fields, "name"), optional(fields, "ani"), email(fields), optional(fields, "psid"),
                optional(fields, "msisdn"), optional(fields, "preferredChannel"), Timestamps.now());
        ctx.future(() -> write(ctx, store(profile), profile, profile));
    }

    private static ApiError unavailable(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof ApiError api ? api : ApiError.unavailable("no directory decision in time; retry", 1);
    }

    private void remove(Context ctx) {
        String username = required(RequestBodies.fields(ctx, 16 * 1024), "username");
        ctx.future(() -> write(ctx, store(privacy.customer(username), null), Map.of("username", username, "deleted", true), null));
    }

    /**
     * What the directory decided about one write: its {@code token} (the write and its alias decisions; null
     * when nothing was stored), the first alias {@code refused} because another customer holds it (null when
     * every claim was accepted), or the {@code error} to answer (503: not stored, or no decision in time).
     */
    public record Stored(ConsistencyToken token, DirectoryDecision refused, ApiError error) {}

    /**
     * Writes {@code profile} and waits (bounded, asynchronously) for the directory's decision about it: the
     * one path every profile write takes, the HTTP routes' and the adapters' (which create profiles for
     * identities not yet known), so aliases stay consistent. The future always completes normally.
     */
    public CompletableFuture<Stored> store(CustomerProfile profile) {
        return SealedProfiles.seal(privacy, profile).handle((sealed, error) -> error != null
                        ? CompletableFuture.completedFuture(new Stored(null, null,
                                ApiError.unavailable("profile not stored: Kafka unavailable; retry", 1)))
                        : store(sealed.username(), Json.write(sealed)))
                .thenCompose(stored -> stored);
    }

    /** Writes {@code value} (null: a tombstone) under the customer's record key (its pseudonym when sealing). */
    public CompletableFuture<Stored> store(String username, byte[] value) {
        DirectoryDecisions.Pending pending = decisions.open(decisionWaitMs);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(profilesTopic, null, username, value);
        record.headers().add(DirectoryDecision.REQUEST_ID_HEADER, pending.requestId().getBytes(StandardCharsets.UTF_8));
        return AsyncSends.send(producer, record)
                .handle((metadata, error) -> {
                    if (error != null) {
                        decisions.cancel(pending);
                        LOG.warn("profile not stored key={} topic={}: {}", username, profilesTopic, error.toString());
                        return CompletableFuture.completedFuture(new Stored(null, null,
                                ApiError.unavailable("profile not stored: Kafka unavailable; retry", 1)));
                    }
                    LOG.info("profile {} key={} topic={} partition={} offset={} request={}", value == null ? "deleted" : "stored",
                            username, profilesTopic, metadata.partition(), metadata.offset(), pending.requestId());
                    ConsistencyToken written = ConsistencyToken.of(metadata.topic(), metadata.partition(), metadata.offset());
                    return pending.outcome().handle((outcome, waitError) -> {
                        if (waitError != null) {
                            LOG.warn("no directory decision in {} ms key={} topic={} partition={} offset={} request={}",
                                    decisionWaitMs, username, profilesTopic, metadata.partition(), metadata.offset(),
                                    pending.requestId());
                            return new Stored(written, null, unavailable(waitError));
                        }
                        ConsistencyToken token = written.merge(outcome.token());
                        if (outcome.refusedClaims().isEmpty()) return new Stored(token, null, null);
                        DirectoryDecision refused = firstByKind(outcome.refusedClaims());
                        LOG.info("profile key={} offset={}: {} refused, held by {}", username, metadata.offset(),
                                refused.alias(), refused.owner());
                        return new Stored(token, refused, null);
                    });
                })
                .thenCompose(stored -> stored);
    }

    /**
     * Writes the profile (or its tombstone), waits for the directory's decision about it and answers from
     * that decision; the answer carries the Consistency-Token of the write and of its alias decisions.
     */
    private CompletableFuture<Void> write(Context ctx, CompletableFuture<Stored> storing, Object answer, CustomerProfile profile) {
        return storing.thenAccept(stored -> {
            if (stored.token() != null) ctx.header(ConsistencyToken.HEADER, stored.token().encode());
            if (stored.error() != null) {
                Responses.error(ctx, stored.error());
            } else if (stored.refused() == null) {
                Responses.json(ctx, 200, answer);
            } else {
                String kind = refusedKind(stored.refused());
                Responses.error(ctx, new ApiError(409, kind + " " + kindValue(profile, kind)
                        + " already belongs to another customer", Map.of("field", kind)));
            }
        });
    }

    /** The alias kind ({@code ani}, {@code email}, {@code psid}) of a refused claim. */
    public static String refusedKind(DirectoryDecision refused) {
        return refused.alias().substring(0, refused.alias().indexOf(':'));
    }

    private static DirectoryDecision firstByKind(List<DirectoryDecision> refused) {
        for (String kind : KINDS) {
            for (DirectoryDecision d : refused) if (d.alias().startsWith(kind + ":")) return d;
        }
        return refused.get(0);
    }

    private static String kindValue(CustomerProfile profile, String kind) {
        return switch (kind) {
            case Aliases.ANI -> profile.ani();
            case Aliases.EMAIL -> profile.email();
            default -> profile.psid();
        };
    }

    private static String required(Fields fields, String name) {
        String value = optional(fields, name);
        if (value == null) throw ApiError.badField(name, name + " is required");
        return value;
    }

    private static String optional(Fields fields, String name) {
        String value = fields.text(name);
        if (value == null || value.isBlank()) return null;
        if (value.length() > MAX_FIELD) throw ApiError.badField(name, name + " is longer than " + MAX_FIELD + " characters");
        return value.trim();
    }

    private static String email(Fields fields) {
        String email = optional(fields, "email");
        if (email != null && !email.matches("[^@\\s]+@[^@\\s]+")) throw ApiError.badField("email", "email is not an e-mail address");
        return email;
    }
}
