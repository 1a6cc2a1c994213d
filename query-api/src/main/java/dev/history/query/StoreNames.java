package dev.history.query;

/** Names of the state stores, shared by the topology and the query side. */
public final class StoreNames {
    /** Event JSON by {@link TimelineKeys} event key. */
    public static final String TIMELINE = "timeline";
    /**
     * (username, event id) → order bytes + acceptance time: remembers every id in a timeline; the bare
     * username prefix holds the customer's last reset time.
     */
    public static final String TIMELINE_IDS = "timeline-ids";
    /** username → current profile (to know which aliases a change releases). */
    public static final String PROFILES = "profiles";
    /** alias key ({@code ani:…}, {@code email:…}, {@code psid:…}) → owning profile; partitioned by alias. */
    public static final String ALIASES = "aliases";
    /** username → the profile write whose alias decisions are still coming in (see {@code DecisionApplier}). */
    public static final String PENDING_WRITES = "pending-writes";

    private StoreNames() {}
}
