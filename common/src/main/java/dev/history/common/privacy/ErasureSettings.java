package dev.history.common.privacy;

import dev.history.common.Env;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Properties;

/**
 * Crypto-shredding settings. Off unless both secrets are given ({@code ERASURE_MASTER_KEYS},
 * {@code ERASURE_PEPPER}, or a file of both at {@code ERASURE_SECRETS_FILE}, as {@code bin/pipeline ops
 * erasure-secrets} writes it); the standalone system generates and keeps them in {@code $DATA_DIR} so it is
 * always on. {@link #toString()} names key ids only, never key material.
 *
 * @param masterKeys {@code id:base64,…}: the first wraps new data keys, all unwrap
 * @param pepper the HMAC key of the pseudonyms (base64, ≥ 32 bytes); must never change (records are keyed by it)
 * @param keysTopic the compacted topic of wrapped data keys ({@code TOPIC_CUSTOMER_KEYS}, default {@code customer-keys})
 * @param openedCacheMb the bound of the opened-answer cache ({@code ERASURE_OPENED_CACHE_MB}, default 32; 0 keeps none),
 *     in MiB of elements as stored plus as opened
 */
public record ErasureSettings(String masterKeys, String pepper, String keysTopic, int openedCacheMb) {
    public static final String SECRETS_FILE = "erasure-secrets.properties";
    public static final int DEFAULT_OPENED_CACHE_MB = 32;

    public ErasureSettings {
        if (openedCacheMb < 0) throw new IllegalArgumentException("ERASURE_OPENED_CACHE_MB must be 0 or more, not " + openedCacheMb);
    }

    public static ErasureSettings from(Env env) {
        String masterKeys = env.get("ERASURE_MASTER_KEYS", null);
        String pepper = env.get("ERASURE_PEPPER", null);
        String file = env.get("ERASURE_SECRETS_FILE", null);
        if (file != null && (masterKeys == null || pepper == null)) {
            // A named file must be there: starting without it would store personal data in plaintext.
            Path path = Path.of(file);
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("ERASURE_SECRETS_FILE " + file
                        + " is not a file; create it with `bin/pipeline ops erasure-secrets --file " + file + "`");
            }
            Properties kept = read(path);
            if (masterKeys == null) masterKeys = kept.getProperty("ERASURE_MASTER_KEYS");
            if (pepper == null) pepper = kept.getProperty("ERASURE_PEPPER");
            if (masterKeys == null || pepper == null) {
                throw new IllegalArgumentException("ERASURE_SECRETS_FILE " + file + " lacks ERASURE_MASTER_KEYS or ERASURE_PEPPER");
            }
        }
        return new ErasureSettings(masterKeys, pepper, env.get("TOPIC_CUSTOMER_KEYS", "customer-keys"),
                env.getInt("ERASURE_OPENED_CACHE_MB", DEFAULT_OPENED_CACHE_MB));
    }

    /**
     * Creates a secrets file (owner-only) with a fresh master key and pepper unless it exists; with
     * {@code newMasterKeyId}, puts a fresh master key first in an existing file (rotation: the old keys stay
     * for unwrapping until `ops rewrap` has run). The pepper is never changed: records are keyed by it.
     *
     * @return what was done, for the operator (key ids only)
     */
    public static String writeSecretsFile(Path file, String newMasterKeyId) {
        boolean existed = Files.exists(file);
        Properties kept = readOrCreate(file);
        if (newMasterKeyId == null) {
            return (existed ? "kept " : "created ") + file + " (master keys " + MasterKeys.parse(kept.getProperty("ERASURE_MASTER_KEYS")) + ")";
        }
        MasterKeys current = MasterKeys.parse(kept.getProperty("ERASURE_MASTER_KEYS"));
        if (current.ids().contains(newMasterKeyId)) throw new IllegalArgumentException("master key " + newMasterKeyId + " exists already");
        String keys = MasterKeys.generate(newMasterKeyId) + "," + kept.getProperty("ERASURE_MASTER_KEYS");
        write(file, "# written by bin/pipeline ops erasure-secrets; back it up (docs/OPERATIONS.md)\n"
                + "ERASURE_MASTER_KEYS=" + keys + "\n" + "ERASURE_PEPPER=" + kept.getProperty("ERASURE_PEPPER") + "\n");
        return "added master key " + newMasterKeyId + " first in " + file + " (master keys " + MasterKeys.parse(keys) + ")";
    }

    /** As {@link #from(Env)}, but secrets not configured are read from (or created in) {@code dataDir}. */
    public static ErasureSettings fromOrGenerate(Env env, Path dataDir) {
        ErasureSettings configured = from(env);
        if (configured.enabled()) return configured;
        Properties kept = readOrCreate(dataDir.resolve(SECRETS_FILE));
        return new ErasureSettings(kept.getProperty("ERASURE_MASTER_KEYS"), kept.getProperty("ERASURE_PEPPER"),
                configured.keysTopic(), configured.openedCacheMb());
    }

    /**
     * For operator tools: the configured secrets, else those the standalone system keeps in
     * {@code $DATA_DIR} (when that file exists; nothing is created), else off.
     */
    public static ErasureSettings fromEnvOrDataDir(Env env) {
        ErasureSettings configured = from(env);
        if (configured.enabled()) return configured;
        Path file = Path.of(env.get("DATA_DIR", "data")).resolve(SECRETS_FILE);
        if (!Files.exists(file)) return configured;
        Properties kept = readOrCreate(file);
        return new ErasureSettings(kept.getProperty("ERASURE_MASTER_KEYS"), kept.getProperty("ERASURE_PEPPER"),
                configured.keysTopic(), configured.openedCacheMb());
    }

    /** What a service logs at start: a warning when off, since personal fields are then stored readable. */
    public void log(org.slf4j.Logger log) {
        if (enabled()) {
            log.info("crypto-shredding: {}", this);
        } else {
            log.warn("crypto-shredding off: personal fields are stored in plaintext and DELETE /customers answers 501; "
                    + "set ERASURE_SECRETS_FILE (bin/pipeline ops erasure-secrets, docs/OPERATIONS.md#forgetting-a-customer)");
        }
    }

    public boolean enabled() {
        return masterKeys != null && pepper != null;
    }

    public long openedCacheBytes() {
        return openedCacheMb * 1_048_576L;
    }

    public MasterKeys parseMasterKeys() {
        return MasterKeys.parse(masterKeys);
    }

    public Pseudonyms pseudonyms() {
        try {
            return new Pseudonyms(Base64.getDecoder().decode(pepper));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ERASURE_PEPPER must be base64 of at least 32 bytes");
        }
    }

    private static Properties readOrCreate(Path file) {
        if (Files.exists(file)) return read(file);
        String text = "# generated; back it up with the data, never change the pepper (docs/OPERATIONS.md)\n"
                + "ERASURE_MASTER_KEYS=" + MasterKeys.generate("local-1") + "\n"
                + "ERASURE_PEPPER=" + Base64.getEncoder().encodeToString(Gcm.randomBytes(32)) + "\n";
        write(file, text);
        return read(file);
    }

    private static Properties read(Path file) {
        try {
            Properties props = new Properties();
            props.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
            return props;
        } catch (IOException e) {
            throw new UncheckedIOException("erasure secrets " + file + ": " + e.getMessage(), e);
        }
    }

    /** Owner-only, replaced atomically (a crash leaves the old file or the new one, never half of one). */
    private static void write(Path file, String text) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, SECRETS_FILE, ".tmp");
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("erasure secrets " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        if (!enabled()) return "ErasureSettings[off, keysTopic=" + keysTopic + "]";
        return "ErasureSettings[on, " + parseMasterKeys() + ", pepper=****, keysTopic=" + keysTopic + ", openedCacheMb=" + openedCacheMb + "]";
    }
}
