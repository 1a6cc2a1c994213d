package dev.history.common;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A customer directory entry on the compacted {@code customer-profiles} topic, keyed by username.
 * {@code ani}, {@code email} and {@code psid} are lookup aliases (see {@link Aliases}).
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
        String updatedAt) {}
