package dev.history.query;

import dev.history.common.Aliases;
import dev.history.common.CustomerProfile;
import dev.history.common.privacy.Privacy;
import dev.history.common.privacy.SealedProfiles;
import dev.history.common.http.ApiError;
import dev.history.common.http.Responses;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * {@code GET /getuserdata?ani|email|psid}: the customer directory, answered from the aliases store on the
 * instance owning the alias (forwarded there otherwise). Directory writes are the gateway's.
 */
final class LookupRoutes implements Consumer<JavalinConfig> {
    private static final List<String> KINDS = List.of(Aliases.ANI, Aliases.EMAIL, Aliases.PSID);

    private final KeyLocator locator;
    private final ConsistentReads reads;
    private final Privacy privacy;

    LookupRoutes(KeyLocator locator, ConsistentReads reads, Privacy privacy) {
        this.privacy = privacy;
        this.locator = locator;
        this.reads = reads;
    }

    @Override
    public void accept(JavalinConfig config) {
        config.routes.get("/getuserdata", this::lookup);
    }

    private void lookup(Context ctx) {
        String kind = KINDS.stream().filter(k -> ctx.queryParam(k) != null && !ctx.queryParam(k).isBlank())
                .findFirst()
                .orElseThrow(() -> ApiError.badField("ani", "give one of ani, email or psid"));
        String plainAlias = Aliases.key(kind, ctx.queryParam(kind));
        if (plainAlias == null) throw ApiError.badField(kind, kind + " is empty");
        String alias = privacy.alias(plainAlias); // the directory holds keyed hashes of aliases
        reads.serve(ctx, StoreNames.ALIASES, alias, (partition, standby) -> answer(ctx, kind, alias, partition, standby));
    }

    private void answer(Context ctx, String kind, String alias, int partition, boolean standby) {
        CustomerProfile profile = SealedProfiles.open(privacy, locator.read(StoreNames.ALIASES,
                QueryableStoreTypes.<String, CustomerProfile>keyValueStore(), partition, standby, store -> store.get(alias)))
                .orElse(null);
        if (profile == null) {
            throw new ApiError(404, "no customer with " + kind + " " + ctx.queryParam(kind), Map.of("field", kind));
        }
        Responses.json(ctx, 200, profile);
    }
}
