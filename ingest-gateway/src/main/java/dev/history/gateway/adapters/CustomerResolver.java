package dev.history.gateway.adapters;

import dev.history.common.CustomerProfile;
import dev.history.common.http.ApiError;
import dev.history.gateway.DirectoryWrites;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an adapter's identity (an e-mail, a phone number, a messenger id, or a customer id) into the username
 * of its timeline, asynchronously:
 * <ol>
 * <li>a customer id is the username;</li>
 * <li>else the directory is asked who holds the identity ({@link DirectoryLookup});</li>
 * <li>unknown, with a {@code previousIdentity} the directory knows: that customer's profile takes the new
 *     identity (in place of the previous one of the same kind), through the directory write path;</li>
 * <li>still unknown: {@code reject} answers 404 and writes nothing; {@code create} writes a new profile holding
 *     the identity through the directory write path ({@link DirectoryWrites#store}), so the directory decides
 *     about its alias like any {@code POST /userdata}.</li>
 * </ol>
 */
final class CustomerResolver {
    private static final Logger LOG = LoggerFactory.getLogger(CustomerResolver.class);

    private final DirectoryLookup lookup;
    private final DirectoryWrites directory;
    private final AdapterSettings.UnknownCustomer policy;

    CustomerResolver(DirectoryLookup lookup, DirectoryWrites directory, AdapterSettings.UnknownCustomer policy) {
        this.lookup = lookup;
        this.directory = directory;
        this.policy = policy;
    }

    /**
     * @param field the request field that named the identity (for the 404/409 details)
     * @param previous a previous identity of the same kind to link, or null
     */
    CompletableFuture<String> username(IdentityKind kind, String identity, String previous, String field) {
        if (kind == IdentityKind.CUSTOMER_ID) return CompletableFuture.completedFuture(identity.trim());
        return lookup.find(kind.alias(), identity).thenCompose(found -> {
            if (found.isPresent()) return CompletableFuture.completedFuture(found.get().username());
            if (previous != null && !previous.isBlank()) {
                return lookup.find(kind.alias(), previous).thenCompose(old -> old.isPresent()
                        ? link(kind, old.get(), identity, field)
                        : unknown(kind, identity, field));
            }
            return unknown(kind, identity, field);
        });
    }

    private CompletableFuture<String> link(IdentityKind kind, CustomerProfile customer, String identity, String field) {
        LOG.info("linking a new {} to customer key={}", kind.alias(), customer.username());
        return store(kind.with(customer, identity), kind, identity, field);
    }

    private CompletableFuture<String> unknown(IdentityKind kind, String identity, String field) {
        if (policy == AdapterSettings.UnknownCustomer.REJECT) {
            return CompletableFuture.failedFuture(new ApiError(404, "no customer with " + kind.alias() + " " + identity
                    + " (ADAPTER_UNKNOWN_CUSTOMER=reject)", Map.of("field", field)));
        }
        CustomerProfile created = kind.newProfile(identity);
        LOG.info("creating customer key={} for an unknown {}", created.username(), kind.alias());
        return store(created, kind, identity, field);
    }

    /** Stores the profile; when another customer's write took the alias meanwhile, the event goes to that customer. */
    private CompletableFuture<String> store(CustomerProfile profile, IdentityKind kind, String identity, String field) {
        return directory.store(profile).thenCompose(stored -> {
            if (stored.error() != null) return CompletableFuture.failedFuture(stored.error());
            if (stored.refused() == null) return CompletableFuture.completedFuture(profile.username());
            return lookup.find(kind.alias(), identity).thenApply((Optional<CustomerProfile> holder) -> holder
                    .map(CustomerProfile::username)
                    .orElseThrow(() -> new ApiError(409, kind.alias() + " " + identity + " is being claimed by another customer; retry",
                            Map.of("field", field))));
        });
    }
}
