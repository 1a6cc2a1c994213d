package dev.history.common.http.auth;

import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** What a credential may do. {@link #ADMIN} implies every other scope. */
public enum Scope {
    HISTORY_WRITE("history:write"),
    HISTORY_READ("history:read"),
    DIRECTORY_WRITE("directory:write"),
    FULFILLMENT_WRITE("fulfillment:write"),
    OPS("ops"),
    ADMIN("admin");

    private final String id;

    Scope(String id) {
        this.id = id;
    }

    /** The name used in key files, JWT scope claims and error details ({@code history:read}). */
    public String id() {
        return id;
    }

    public static Optional<Scope> find(String text) {
        if (text == null) return Optional.empty();
        String t = text.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(s -> s.id.equals(t)).findFirst();
    }

    /** Parses configured scope names strictly: an unknown name is a configuration error. */
    public static Set<Scope> parseAll(Collection<String> names, String where) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String name : names) {
            scopes.add(find(name).orElseThrow(() -> new IllegalArgumentException(
                    where + ": unknown scope '" + name + "'; known: " + Arrays.stream(values()).map(Scope::id).toList())));
        }
        return scopes;
    }

    /** Scopes granted by a token (unknown names are ignored: an IdP may issue scopes for other APIs). */
    public static Set<Scope> lenient(Collection<String> names) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        names.forEach(n -> find(n).ifPresent(scopes::add));
        return scopes;
    }

    @Override
    public String toString() {
        return id;
    }
}
