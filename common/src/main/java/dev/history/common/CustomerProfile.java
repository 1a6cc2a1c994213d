package dev.history.common;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A customer directory entry on the compacted {@code customer-profiles} topic, keyed by username.
 * {@code ani}, {@code email} and {@code psid} are lookup aliases (see {@link Aliases}).
 *
 * <p>With crypto-shredding on, the stored copy has the pseudonym as {@code username}, keyed hashes as
 * aliases, sealed {@code name}/{@code msisdn}, and in {@code sealed} the whole profile as the client wrote it,
 * sealed with the customer's data key ({@link dev.history.common.privacy.SealedProfiles}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CustomerProfile(
        String username,
        String name,
        String ani,
        String email,
        String psid,
        String msisdn,
        String preferredChannel,
        String updatedAt,
        String sealed) {

    public CustomerProfile(String username, String name, String ani, String email, String psid, String msisdn,
            String preferredChannel, String updatedAt) {
        this(username, name, ani, email, psid, msisdn, preferredChannel, updatedAt, null);
    }
}
