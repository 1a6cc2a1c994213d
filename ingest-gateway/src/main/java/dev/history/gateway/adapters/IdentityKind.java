package dev.history.gateway.adapters;

import dev.history.common.Aliases;
import dev.history.common.CustomerProfile;
import dev.history.common.Timestamps;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What kind of identity an adapter names a customer by, and the directory alias it is: a phone number
 * ({@code ani}), an e-mail address ({@code email}), a messenger id ({@code psid}), or the username itself.
 */
enum IdentityKind {
    PHONE(Aliases.ANI), EMAIL(Aliases.EMAIL), MESSENGER(Aliases.PSID), CUSTOMER_ID(null);

    /** Accepted {@code identitytype} values (case-insensitive), e.g. Journey Data Service's {@code email}, {@code phone}. */
    private static final Map<String, IdentityKind> NAMES = Map.ofEntries(
            Map.entry("email", EMAIL), Map.entry("phone", PHONE), Map.entry("phonenumber", PHONE), Map.entry("ani", PHONE),
            Map.entry("msisdn", PHONE), Map.entry("tel", PHONE), Map.entry("psid", MESSENGER), Map.entry("social", MESSENGER),
            Map.entry("customerid", CUSTOMER_ID), Map.entry("username", CUSTOMER_ID));

    private final String alias;

    IdentityKind(String alias) {
        this.alias = alias;
    }

    static Optional<IdentityKind> named(String identityType) {
        return identityType == null ? Optional.empty() : Optional.ofNullable(NAMES.get(identityType.trim().toLowerCase(Locale.ROOT)));
    }

    static String accepted() {
        return String.join(", ", NAMES.keySet().stream().sorted().toList());
    }

    /** Guesses the kind of a contact-center origin: an address with {@code @}, a phone number, else a messenger id. */
    static IdentityKind ofOrigin(String origin) {
        if (origin.contains("@")) return EMAIL;
        return origin.matches("\\+?[0-9 ()./-]{3,32}") ? PHONE : MESSENGER;
    }

    /** The directory alias kind ({@code ani}, {@code email}, {@code psid}); null for a username. */
    String alias() {
        return alias;
    }

    /** The username a profile created for {@code identity} gets: the identity as the directory normalises it. */
    String username(String identity) {
        return this == EMAIL ? identity.trim().toLowerCase(Locale.ROOT) : identity.trim();
    }

    /** {@code profile} with this kind's alias set to {@code identity} (its previous value of this kind released). */
    CustomerProfile with(CustomerProfile p, String identity) {
        return new CustomerProfile(p.username(), p.name(),
                this == PHONE ? identity : p.ani(), this == EMAIL ? identity : p.email(), this == MESSENGER ? identity : p.psid(),
                p.msisdn(), p.preferredChannel(), Timestamps.now());
    }

    /** A new profile holding only {@code identity}. */
    CustomerProfile newProfile(String identity) {
        CustomerProfile empty = new CustomerProfile(username(identity), null, null, null, null, null, null, null);
        return with(empty, identity.trim());
    }
}
