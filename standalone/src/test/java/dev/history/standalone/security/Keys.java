package dev.history.standalone.security;

import dev.history.common.http.auth.ApiKeyFormat;
import dev.history.common.http.auth.Scope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** API keys for tests: one per scope plus any named ones, written to a key file the way operators do. */
public final class Keys {
    public final Path file;
    private final Map<String, String> keys = new LinkedHashMap<>();
    private final Map<String, String> entries = new LinkedHashMap<>();
    private final Map<Scope, String> byScope = new EnumMap<>(Scope.class);

    public Keys() {
        try {
            file = Files.createTempFile("api-keys", ".json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Scope scope : Scope.values()) byScope.put(scope, add("key-" + scope.id().replace(':', '-'), scope.id(), null));
        write();
    }

    public String add(String name, String scopes, String rateLimit) {
        String key = ApiKeyFormat.generate();
        String scopeList = java.util.Arrays.stream(scopes.split(",")).map(s -> "\"" + s + "\"").collect(Collectors.joining(","));
        keys.put(name, key);
        entries.put(name, "{\"name\":\"" + name + "\",\"hash\":\"" + ApiKeyFormat.hash(key) + "\",\"scopes\":[" + scopeList + "]"
                + (rateLimit == null ? "" : ",\"rateLimit\":" + rateLimit) + "}");
        return key;
    }

    public String forScope(Scope scope) {
        return byScope.get(scope);
    }

    public String named(String name) {
        return keys.get(name);
    }

    public Iterable<String> all() {
        return keys.values();
    }

    public void revoke(String name) {
        entries.remove(name);
        write();
    }

    /** Atomic replace, as docs/SECURITY.md tells operators; the mtime is moved so the change is seen at once. */
    public void write() {
        try {
            Path tmp = Files.createTempFile(file.getParent(), "api-keys", ".tmp");
            Files.writeString(tmp, "[" + String.join(",\n", entries.values()) + "]");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + entries.size() * 1000L + 1000));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
