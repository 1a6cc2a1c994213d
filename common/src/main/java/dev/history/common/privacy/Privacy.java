package dev.history.common.privacy;

import dev.history.common.Json;

import dev.history.common.KafkaSettings;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * What every service uses for crypto-shredding: usernames and aliases become keyed hashes
 * ({@link Pseudonyms}), personal fields are sealed with the customer's data key ({@link CustomerKeys}).
 * A sealed field is the string {@code enc1.<keyId>.<base64url(nonce|ciphertext|tag)>}, authenticated
 * with the customer's pseudonym and the key id, so a field cannot be moved to another customer.
 *
 * <p>{@link #disabled()} (no secrets configured) keeps usernames and fields as they are.
 */
public final class Privacy implements AutoCloseable {
    public static final String SEALED_PREFIX = "enc1.";

    private final Pseudonyms pseudonyms;
    private final CustomerKeys keys;
    private final OpenedAnswers opened;

    private Privacy(Pseudonyms pseudonyms, CustomerKeys keys, long openedBytes, Executor sweeps) {
        this.pseudonyms = pseudonyms;
        this.keys = keys;
        this.opened = keys == null || openedBytes == 0 ? null : new OpenedAnswers(openedBytes, keys::forgotten, sweeps);
        if (opened != null) keys.onForget(opened::forget);
    }

    public static Privacy disabled() {
        return new Privacy(null, null, 0, null);
    }

    /** Creates the key topic when missing and loads it; {@link #disabled()} when the settings are off. */
    public static Privacy start(ErasureSettings settings, KafkaSettings kafka, String clientId) {
        return start(settings, kafka, clientId, ForkJoinPool.commonPool());
    }

    /** As {@link #start(ErasureSettings, KafkaSettings, String)}, sweeping forgotten keys' opened answers on {@code sweeps}. */
    public static Privacy start(ErasureSettings settings, KafkaSettings kafka, String clientId, Executor sweeps) {
        if (!settings.enabled()) return disabled();
        kafka.ensureTopics(List.of(keysTopic(settings.keysTopic(), kafka)));
        return new Privacy(settings.pseudonyms(),
                CustomerKeys.start(kafka, settings.keysTopic(), settings.parseMasterKeys(), clientId), settings.openedCacheBytes(), sweeps);
    }

    /** Compacted, kept forever (until a tombstone), never deleted by time: losing it loses every customer's data. */
    public static NewTopic keysTopic(String name, KafkaSettings kafka) {
        return new NewTopic(name, kafka.partitions(), kafka.replicationFactor()).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(kafka.minInsyncReplicas()),
                // tombstones and the records they shadow go soon after a forget (the cleaner still needs a
                // segment roll; see docs/OPERATIONS.md)
                TopicConfig.DELETE_RETENTION_MS_CONFIG, "60000",
                TopicConfig.SEGMENT_MS_CONFIG, Long.toString(3_600_000L),
                TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.01"));
    }

    /**
     * Pseudonyms without the keys (no Kafka needed): for what only names customers, e.g. the audit trail
     * of a process that starts before Kafka answers.
     */
    public static Privacy pseudonymsOnly(ErasureSettings settings) {
        return settings.enabled() ? new Privacy(settings.pseudonyms(), null, 0, null) : disabled();
    }

    public boolean enabled() {
        return keys != null;
    }

    /** Usernames and aliases are replaced by keyed hashes. */
    public boolean pseudonymous() {
        return pseudonyms != null;
    }

    public CustomerKeys keys() {
        if (keys == null) throw new IllegalStateException("erasure is not configured (ERASURE_MASTER_KEYS, ERASURE_PEPPER)");
        return keys;
    }

    /** The customer's record key and store key: its pseudonym, or the username itself when disabled. */
    public String customer(String username) {
        return pseudonyms == null || username == null ? username : pseudonyms.customer(username);
    }

    /** A directory alias key ({@link dev.history.common.Aliases#key}) as stored: a keyed hash, or itself when disabled. */
    public String alias(String aliasKey) {
        return pseudonyms == null || aliasKey == null ? aliasKey : pseudonyms.alias(aliasKey);
    }

    /** A function sealing fields for {@code customer} (with its data key, created when it has none). */
    public CompletableFuture<UnaryOperator<String>> sealerFor(String customer) {
        if (keys == null) return CompletableFuture.completedFuture(UnaryOperator.identity());
        return keys.keyFor(customer).thenApply(key -> value -> seal(key, value));
    }

    /** Empty and null fields stay as they are: they carry nothing to protect. */
    public static String seal(CustomerKeys.DataKey key, String value) {
        if (value == null || value.isEmpty()) return value;
        byte[] sealed = Gcm.encrypt(key.key(), value.getBytes(StandardCharsets.UTF_8), aad(key.customer(), key.keyId()));
        return SEALED_PREFIX + key.keyId() + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sealed);
    }

    public static boolean isSealed(String value) {
        return value != null && value.startsWith(SEALED_PREFIX);
    }

    /**
     * The plaintext of a field of {@code customer}; an unsealed value is returned as it is.
     *
     * @throws SealException when its key is gone (the customer was forgotten) or the field was tampered with
     */
    public String open(String customer, String value) {
        return isSealed(value) ? open(customer, keyIdOf(value), value) : value;
    }

    /** {@link #open(String, String)} of a sealed value whose key id ({@link #keyIdOf}) the caller has parsed already. */
    public String open(String customer, String keyId, String sealed) {
        CustomerKeys.DataKey key = keyOf(keyId);
        if (!key.customer().equals(customer)) throw new SealException("sealed for another customer");
        return open(key, sealed);
    }

    /** The plaintext of a sealed value whatever customer it belongs to (the key id names the key). */
    public String open(String value) {
        return isSealed(value) ? open(keyOf(keyIdOf(value)), value) : value;
    }

    /**
     * What a read opened: the elements as stored ({@code stored[i]}, whose sealed fields all use {@code keyId}) and
     * the answer made of them opened, a JSON array in which element {@code i} ends at {@code ends[i]}. The answer is
     * kept whole so that a read of an unchanged page copies and allocates nothing more; the opened elements are
     * sliced out of it only when a page changed.
     */
    public record Opened(String keyId, byte[][] stored, byte[] answer, int[] ends) {
        /** From the elements as stored and opened ({@code plain[i]} is {@code stored[i]} opened). */
        public static Opened of(String keyId, byte[][] stored, byte[][] plain) {
            int[] ends = new int[plain.length];
            int at = 1; // after '['
            for (int i = 0; i < plain.length; i++) {
                at += plain[i].length;
                ends[i] = at++; // and the ',' after it
            }
            return new Opened(keyId, stored, Json.array(Arrays.asList(plain)), ends);
        }

        /** Whether these are exactly the elements (bytes and order) this was opened from. */
        public boolean openedFrom(byte[][] elements) {
            return Arrays.deepEquals(stored, elements);
        }

        /** Element {@code i} opened (a copy). */
        public byte[] plain(int i) {
            return Arrays.copyOfRange(answer, i == 0 ? 1 : ends[i - 1] + 1, ends[i]);
        }
    }

    /**
     * What an earlier read kept ({@link #keepOpened}) under {@code name}, when its key is still {@code customer}'s;
     * null otherwise. The key is looked up first, as for a field: a forgotten customer's elements are never
     * answered from memory.
     */
    public Opened opened(String customer, Object name) {
        if (opened == null) return null;
        Opened o = opened.get(name);
        if (o == null) return null;
        Optional<CustomerKeys.DataKey> key = keys.find(o.keyId()); // seen when it was opened: no wait
        return key.isPresent() && key.get().customer().equals(customer) ? o : null;
    }

    /** Keeps what was opened under {@code name} (a query: anything with equals and hashCode). */
    public void keepOpened(Object name, Opened o) {
        if (opened != null) opened.put(name, o);
    }

    /** Whether anything sealed with {@code keyId} is held opened in memory (what erasure checks: never after a forget). A scan of the whole cache: for tests and checks, not for request paths. */
    public boolean holdsOpened(String keyId) {
        return opened != null && opened.holds(keyId);
    }

    /** {@code enc1.<keyId>.<…>} → keyId; null when malformed. */
    public static String keyIdOf(String sealed) {
        int dot = sealed.indexOf('.', SEALED_PREFIX.length());
        return dot < 0 ? null : sealed.substring(SEALED_PREFIX.length(), dot);
    }

    private CustomerKeys.DataKey keyOf(String keyId) {
        if (keyId == null) throw new SealException("malformed sealed field");
        if (keys == null) throw new SealException("erasure is not configured");
        return keys.find(keyId).orElseThrow(() -> new SealException("no key"));
    }

    private static String open(CustomerKeys.DataKey key, String value) {
        String keyId = key.keyId();
        String customer = key.customer();
        byte[] message;
        try {
            message = Base64.getUrlDecoder().decode(value.substring(SEALED_PREFIX.length() + keyId.length() + 1));
        } catch (IllegalArgumentException e) {
            throw new SealException("malformed sealed field");
        }
        return new String(Gcm.decrypt(key.key(), message, aad(customer, keyId)), StandardCharsets.UTF_8);
    }

    private static byte[] aad(String customer, String keyId) {
        return (customer + "/" + keyId).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (keys != null) keys.close();
    }
}
