package dev.history.common.privacy;

import dev.history.common.Aliases;
import dev.history.common.CustomerProfile;
import dev.history.common.Json;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * Profiles as they go on {@code customer-profiles} and into the directory stores: the pseudonym as
 * username, each alias replaced by its keyed hash (the directory matches hashes exactly as it matched
 * normalised values), name and msisdn sealed, and the client's whole profile sealed in {@code sealed}.
 */
public final class SealedProfiles {
    private SealedProfiles() {}

    public static CompletableFuture<CustomerProfile> seal(Privacy privacy, CustomerProfile p) {
        if (!privacy.enabled()) return CompletableFuture.completedFuture(p);
        String customer = privacy.customer(p.username());
        return privacy.sealerFor(customer).thenApply(seal -> sealWith(privacy, customer, seal, p));
    }

    private static CustomerProfile sealWith(Privacy privacy, String customer, UnaryOperator<String> seal, CustomerProfile p) {
        return new CustomerProfile(customer, seal.apply(p.name()),
                hashed(privacy, Aliases.ANI, p.ani()), hashed(privacy, Aliases.EMAIL, p.email()),
                hashed(privacy, Aliases.PSID, p.psid()), seal.apply(p.msisdn()), p.preferredChannel(), p.updatedAt(),
                seal.apply(Json.writeString(p)));
    }

    /** The hash part of the alias's hashed key ({@code ani:<hex>} → {@code <hex>}); null for a blank alias. */
    private static String hashed(Privacy privacy, String kind, String value) {
        String key = Aliases.key(kind, value);
        return key == null ? null : privacy.alias(key).substring(kind.length() + 1);
    }

    /**
     * The profile as the client wrote it, less the aliases the directory refused (the stored copy lacks
     * their hashes); empty when the customer's key is gone. An unsealed profile is returned as it is.
     */
    public static Optional<CustomerProfile> open(Privacy privacy, CustomerProfile stored) {
        if (stored == null) return Optional.empty();
        if (stored.sealed() == null) return Optional.of(stored);
        try {
            CustomerProfile p = Json.read(privacy.open(stored.username(), stored.sealed()).getBytes(StandardCharsets.UTF_8),
                    CustomerProfile.class);
            return Optional.of(new CustomerProfile(p.username(), p.name(),
                    stored.ani() == null ? null : p.ani(), stored.email() == null ? null : p.email(),
                    stored.psid() == null ? null : p.psid(), p.msisdn(), p.preferredChannel(), p.updatedAt()));
        } catch (SealException e) {
            return Optional.empty();
        }
    }
}
