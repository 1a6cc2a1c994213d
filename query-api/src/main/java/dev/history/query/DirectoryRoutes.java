package dev.history.query;

import dev.history.common.Aliases;
import dev.history.common.AsyncSends;
import dev.history.common.ConsistencyToken;
import dev.history.common.CustomerProfile;
import dev.history.common.Json;
import dev.history.common.Timestamps;
import dev.history.common.http.ApiError;
import dev.history.common.http.Fields;
import dev.history.common.http.RequestBodies;
import dev.history.common.http.Responses;
import dev.history.streams.DirectoryDecision;
import dev.history.streams.StoreNames;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The customer directory: {@code GET /getuserdata?ani|email|psid} answers from the alias store (on the
 * instance owning the alias); {@code POST|PUT /userdata} upserts a profile through the compacted
 * profiles topic. A pre-check answers 409 at once when another customer visibly holds an alias (nothing
 * is written); otherwise the write is sent and the answer waits (bounded, asynchronously) for what the
 * alias processor decided about it ({@link DirectoryDecisions}): 200, or 409 when a concurrent writer
 * claimed an alias first (the stored profile then lacks that alias), or 503 when no decision came in
 * time. The answer's Consistency-Token names the profile write and the alias-changes positions of its
 * decisions, so a directory read presenting it sees exactly this write's effect.
 */
final class DirectoryRoutes implements Consumer<JavalinConfig> {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryRoutes.class);
    private static final List<String> KINDS = List.of(Aliases.ANI, Aliases.EMAIL, Aliases.PSID);
    private static final int MAX_FIELD = 256;

    private final KeyLocator locator;
    private final ConsistentReads reads;
    private final Forwarder forwarder;
    private final Producer<String, byte[]> producer;
    private final String profilesTopic;
    private final DirectoryDecisions decisions;
    private final long decisionWaitMs;

    DirectoryRoutes(KeyLocator locator, ConsistentReads reads, Forwarder forwarder, Producer<String, byte[]> producer,
            String profilesTopic, DirectoryDecisions decisions, long decisionWaitMs) {
        this.locator = locator;
        this.reads = reads;
        this.forwarder = forwarder;
        this.producer = producer;
        this.profilesTopic = profilesTopic;
        this.decisions = decisions;
        this.decisionWaitMs = decisionWaitMs;
    }

    @Override
    public void accept(JavalinConfig config) {
        config.routes.get("/getuserdata", this::lookup);
        config.routes.post("/userdata", this::upsert);
        config.routes.put("/userdata", this::upsert);
        config.routes.delete("/userdata", this::remove);
    }

    private void lookup(Context ctx) {
        String kind = KINDS.stream().filter(k -> ctx.queryParam(k) != null && !ctx.queryParam(k).isBlank())
                .findFirst()
                .orElseThrow(() -> ApiError.badField("ani", "give one of ani, email or psid"));
        String alias = Aliases.key(kind, ctx.queryParam(kind));
        if (alias == null) throw ApiError.badField(kind, kind + " is empty");
        reads.serve(ctx, StoreNames.ALIASES, alias, (partition, standby) -> answer(ctx, kind, alias, partition, standby));
    }

    private void answer(Context ctx, String kind, String alias, int partition, boolean standby) {
        CustomerProfile profile = locator.read(StoreNames.ALIASES,
                QueryableStoreTypes.<String, CustomerProfile>keyValueStore(), partition, standby, store -> store.get(alias));
        if (profile == null) {
            throw new ApiError(404, "no customer with " + kind + " " + ctx.queryParam(kind), Map.of("field", kind));
        }
        Responses.json(ctx, 200, profile);
    }

    private void upsert(Context ctx) {
        Fields fields = RequestBodies.fields(ctx, 16 * 1024);
        String username = required(fields, "username");
        CustomerProfile profile = new CustomerProfile(username,
                optional(fields, "name"), optional(fields, "ani"), email(fields), optional(fields, "psid"),
                optional(fields, "msisdn"), optional(fields, "preferredChannel"), Timestamps.now());
        // The pre-check asks each alias's owner without holding this request thread (async forward).
        List<CompletableFuture<ApiError>> checks = new ArrayList<>();
        Aliases.of(profile).forEach((kind, alias) -> checks.add(owner(ctx, alias, kind, kindValue(profile, kind))
                .thenApply(owner -> owner != null && !owner.equals(username)
                        ? new ApiError(409, kind + " " + kindValue(profile, kind) + " already belongs to another customer",
                                Map.of("field", kind))
                        : null)));
        ctx.future(() -> CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
                .handle((ignored, error) -> {
                    ApiError refusal = error != null ? unavailable(error)
                            : checks.stream().map(CompletableFuture::join).filter(e -> e != null).findFirst().orElse(null);
                    return refusal;
                })
                .thenCompose(refusal -> {
                    if (refusal != null) {
                        Responses.error(ctx, refusal);
                        return CompletableFuture.completedFuture(null);
                    }
                    return write(ctx, username, Json.write(profile), profile, profile);
                }));
    }

    private static ApiError unavailable(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof ApiError api ? api : ApiError.unavailable("cannot check the aliases right now", 1);
    }

    private void remove(Context ctx) {
        String username = required(RequestBodies.fields(ctx, 16 * 1024), "username");
        ctx.future(() -> write(ctx, username, null, Map.of("username", username, "deleted", true), null));
    }

    /**
     * Writes the profile (or its tombstone), waits for the directory's decision about it and answers from
     * that decision; the answer carries the Consistency-Token of the write and of its alias decisions.
     */
    private CompletableFuture<Void> write(Context ctx, String username, byte[] value, Object answer, CustomerProfile profile) {
        DirectoryDecisions.Pending pending = decisions.open(decisionWaitMs);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(profilesTopic, null, username, value);
        record.headers().add(DirectoryDecision.REQUEST_ID_HEADER, pending.requestId().getBytes(StandardCharsets.UTF_8));
        return AsyncSends.send(producer, record)
                .handle((metadata, error) -> {
                    if (error != null) {
                        decisions.cancel(pending);
                        LOG.warn("profile not stored key={} topic={}: {}", username, profilesTopic, error.toString());
                        Responses.error(ctx, ApiError.unavailable("profile not stored: Kafka unavailable; retry", 1));
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    LOG.info("profile {} key={} topic={} partition={} offset={} request={}", value == null ? "deleted" : "stored",
                            username, profilesTopic, metadata.partition(), metadata.offset(), pending.requestId());
                    ConsistencyToken written = ConsistencyToken.of(metadata.topic(), metadata.partition(), metadata.offset());
                    return pending.outcome().handle((outcome, waitError) -> {
                        if (waitError != null) {
                            LOG.warn("no directory decision in {} ms key={} topic={} partition={} offset={} request={}",
                                    decisionWaitMs, username, profilesTopic, metadata.partition(), metadata.offset(),
                                    pending.requestId());
                            ctx.header(ConsistencyToken.HEADER, written.encode());
                            Responses.error(ctx, unavailable(waitError));
                            return (Void) null;
                        }
                        ctx.header(ConsistencyToken.HEADER, written.merge(outcome.token()).encode());
                        if (outcome.refusedClaims().isEmpty()) {
                            Responses.json(ctx, 200, answer);
                        } else {
                            DirectoryDecision refused = firstByKind(outcome.refusedClaims());
                            String kind = refused.alias().substring(0, refused.alias().indexOf(':'));
                            LOG.info("profile key={} offset={}: {} refused, held by {}; answered 409", username,
                                    metadata.offset(), refused.alias(), refused.owner());
                            Responses.error(ctx, new ApiError(409, kind + " " + kindValue(profile, kind)
                                    + " already belongs to another customer", Map.of("field", kind)));
                        }
                        return (Void) null;
                    });
                })
                .thenCompose(answered -> answered);
    }

    private static DirectoryDecision firstByKind(List<DirectoryDecision> refused) {
        for (String kind : KINDS) {
            for (DirectoryDecision d : refused) if (d.alias().startsWith(kind + ":")) return d;
        }
        return refused.get(0);
    }

    /** Who holds this alias now, asking the owning instance (asynchronously) when it is not this one. */
    private CompletableFuture<String> owner(Context ctx, String alias, String kind, String value) {
        try {
            Placement placement = locator.locate(StoreNames.ALIASES, alias);
            if (placement.isLocal()) {
                CustomerProfile current = aliasOwner(placement.partition(), alias);
                return CompletableFuture.completedFuture(current == null ? null : current.username());
            }
            if (placement.remote() == null) throw ApiError.unavailable("cannot check " + kind + " right now", 1);
            // Only a shortcut to an early 409: the alias processor decides either way, so an owner that cannot
            // answer (unreachable, restoring, or the caller may write but not read) just skips the shortcut.
            return forwarder.getAsync(ctx, placement.remote(), "/getuserdata?" + kind + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8))
                    .handleAsync((answer, error) -> error != null || answer.statusCode() != 200 ? null
                            : Json.read(answer.body(), CustomerProfile.class).username(), AsyncSends.completions());
        } catch (ApiError e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CustomerProfile aliasOwner(int partition, String alias) {
        return locator.read(StoreNames.ALIASES, QueryableStoreTypes.<String, CustomerProfile>keyValueStore(), partition,
                store -> store.get(alias));
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
