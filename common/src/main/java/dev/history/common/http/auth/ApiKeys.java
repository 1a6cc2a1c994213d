package dev.history.common.http.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API keys of {@code API_KEYS_FILE}: a JSON array of {@code {name, hash, scopes, rateLimit?}}.
 * The file is checked for changes at most once a second and reloaded, so removing an entry revokes its
 * key within a second, without a restart. A file that stops parsing keeps the last good set (logged as an
 * error: write the file atomically); a deleted file revokes every key.
 */
public final class ApiKeys {
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);
    private static final long CHECK_EVERY_NANOS = 1_000_000_000L;

    /** One key as stored: its name (safe to log and audit), the SHA-256 of the key, scopes, own rate limit. */
    public record Entry(String name, byte[] hash, Set<Scope> scopes, RateLimit rateLimit) {}

    private final Path file;
    private final LongSupplier nanoClock;
    private volatile List<Entry> entries;
    private volatile FileTime loadedModified;
    private volatile long loadedSize;
    private volatile long lastCheck;

    ApiKeys(Path file, LongSupplier nanoClock) {
        this.file = file;
        this.nanoClock = nanoClock;
        try {
            this.entries = parse(Files.readAllBytes(file), file.toString());
            this.loadedModified = Files.getLastModifiedTime(file);
            this.loadedSize = Files.size(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("API_KEYS_FILE " + file + " cannot be read: " + e.getMessage(), e);
        }
        this.lastCheck = nanoClock.getAsLong();
        LOG.info("loaded {} API key(s) from {}", entries.size(), file);
    }

    public static ApiKeys load(Path file) {
        return new ApiKeys(file, System::nanoTime);
    }

    public int size() {
        return current().size();
    }

    /**
     * The principal for a presented key. Every stored hash is compared in constant time, so the answer
     * time does not tell how close a guess was.
     */
    public Principal authenticate(String key) throws AuthFailure {
        if (!ApiKeyFormat.wellFormed(key)) throw new AuthFailure("malformed API key");
        byte[] presented = ApiKeyFormat.digest(key);
        Entry match = null;
        for (Entry entry : current()) {
            if (MessageDigest.isEqual(entry.hash(), presented)) match = entry;
        }
        if (match == null) throw new AuthFailure("unknown or revoked API key");
        return new Principal(match.name(), Principal.API_KEY, match.scopes(), match.rateLimit(), null);
    }

    private List<Entry> current() {
        long now = nanoClock.getAsLong();
        if (now - lastCheck >= CHECK_EVERY_NANOS) {
            synchronized (this) {
                if (now - lastCheck >= CHECK_EVERY_NANOS) {
                    lastCheck = now;
                    reloadIfChanged();
                }
            }
        }
        return entries;
    }

    private void reloadIfChanged() {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (modified.equals(loadedModified) && size == loadedSize) return;
            List<Entry> fresh = parse(Files.readAllBytes(file), file.toString());
            entries = fresh;
            loadedModified = modified;
            loadedSize = size;
            LOG.info("reloaded {} API key(s) from {}", fresh.size(), file);
        } catch (NoSuchFileException e) {
            if (!entries.isEmpty()) LOG.warn("API_KEYS_FILE {} is gone: every API key is revoked", file);
            entries = List.of();
            loadedModified = null;
        } catch (IOException | IllegalArgumentException e) {
            LOG.error("API_KEYS_FILE {} not reloaded, keeping the previous {} key(s): {}", file, entries.size(), e.getMessage());
        }
    }

    /** Parses and validates a key file; errors name the entry, never a hash. */
    public static List<Entry> parse(byte[] json, String where) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": not JSON (" + e.getClass().getSimpleName() + ")");
        }
        if (root == null || !root.isArray()) throw new IllegalArgumentException(where + ": must be a JSON array of key entries");
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode node = root.get(i);
            String at = where + " entry " + i;
            if (!node.isObject()) throw new IllegalArgumentException(at + ": must be an object");
            String name = node.path("name").asText("");
            if (!name.matches("[A-Za-z0-9._:@-]{1,64}")) {
                throw new IllegalArgumentException(at + ": name must be 1-64 of A-Z a-z 0-9 . _ : @ -");
            }
            if (!names.add(name)) throw new IllegalArgumentException(at + ": duplicate name '" + name + "'");
            byte[] hash = ApiKeyFormat.parseHash(node.path("hash").asText(null));
            if (hash == null) throw new IllegalArgumentException(at + " (" + name + "): hash must be sha256:<64 hex digits>");
            JsonNode scopesNode = node.path("scopes");
            if (!scopesNode.isArray() || scopesNode.isEmpty()) {
                throw new IllegalArgumentException(at + " (" + name + "): scopes must be a non-empty array");
            }
            List<String> scopeNames = new ArrayList<>();
            scopesNode.forEach(s -> scopeNames.add(s.asText()));
            entries.add(new Entry(name, hash, Scope.parseAll(scopeNames, at + " (" + name + ")"),
                    RateLimit.fromJson(node.get("rateLimit"), at + " (" + name + ")")));
        }
        return List.copyOf(entries);
    }
}
