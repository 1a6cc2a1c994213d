package dev.history.fulfillment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Json;
import dev.history.common.Env;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The task catalog: a JSON array of the widget's own button entries {@code {name, url, active}} plus
 * optional {@code id}, {@code secret}, {@code headers}, {@code timeoutMs}, {@code retry} and
 * {@code oauth2}. Values of {@code secret}, {@code headers} and {@code oauth2.clientSecret} may be
 * {@code ${ENV_VAR}} references so the file itself can hold no secrets. Any invalid entry fails the
 * load with a message naming it: a worker with a half-understood catalog must not start.
 */
public final class TaskCatalog {
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    /** Headers the HTTP client owns or this worker sets itself. */
    private static final Set<String> RESERVED_HEADERS = Set.of("connection", "content-length", "expect", "host",
            "upgrade", "transfer-encoding", "content-type", "webhook-id", "webhook-timestamp", "webhook-signature",
            "webhook-attempt");

    private final List<Task> tasks;

    public TaskCatalog(List<Task> tasks) {
        this.tasks = List.copyOf(tasks);
    }

    public static TaskCatalog empty() {
        return new TaskCatalog(List.of());
    }

    /** Reads and validates the file; the message of any failure names the file and the entry. */
    public static TaskCatalog load(Path file, RetryPolicy defaults, Duration defaultTimeout, Env env) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("FULFILLMENT_TASKS_FILE " + file + " cannot be read as JSON: "
                    + e.getMessage(), e);
        }
        try {
            return parse(root, defaults, defaultTimeout, env);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("FULFILLMENT_TASKS_FILE " + file + ": " + e.getMessage(), e);
        }
    }

    static TaskCatalog parse(JsonNode root, RetryPolicy defaults, Duration defaultTimeout, Env env) {
        if (root == null || !root.isArray()) throw new IllegalArgumentException("must be a JSON array of tasks");
        List<Task> tasks = new ArrayList<>();
        Map<String, String> seenIds = new LinkedHashMap<>();
        Map<String, String> seenNames = new LinkedHashMap<>();
        int index = 0;
        for (JsonNode node : root) {
            index++;
            String label = "entry " + index + (node.hasNonNull("name") ? " (\"" + node.get("name").asText() + "\")" : "");
            try {
                Task task = entry(node, defaults, defaultTimeout, env);
                if (seenIds.putIfAbsent(task.id().toLowerCase(Locale.ROOT), task.name()) != null) {
                    throw new IllegalArgumentException("id '" + task.id() + "' is used twice");
                }
                if (seenNames.putIfAbsent(task.name().toLowerCase(Locale.ROOT), task.id()) != null) {
                    throw new IllegalArgumentException("name '" + task.name() + "' is used twice");
                }
                tasks.add(task);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(label + ": " + e.getMessage(), e);
            }
        }
        for (Task task : tasks) {
            String other = seenIds.get(task.name().toLowerCase(Locale.ROOT));
            if (other != null && !other.equals(task.name())) {
                throw new IllegalArgumentException("the name of \"" + task.name() + "\" is the id of \"" + other + "\"");
            }
        }
        return new TaskCatalog(tasks);
    }

    private static Task entry(JsonNode node, RetryPolicy defaults, Duration defaultTimeout, Env env) {
        if (!node.isObject()) throw new IllegalArgumentException("must be an object {name, url, active}");
        String name = text(node, "name");
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name is required");
        name = name.trim();
        String id = text(node, "id");
        id = id == null || id.isBlank() ? slug(name) : id.trim();
        if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("id '" + id + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        boolean active = true;
        if (node.has("active")) {
            JsonNode a = node.get("active");
            if (!a.isBoolean()) throw new IllegalArgumentException("active must be true or false");
            active = a.booleanValue();
        }
        URI url = null;
        String rawUrl = text(node, "url");
        if (rawUrl != null && !rawUrl.isBlank()) url = url(rawUrl.trim(), "url");
        byte[] secret = null;
        String rawSecret = expand(text(node, "secret"), env, "secret");
        if (rawSecret != null && !rawSecret.isBlank()) secret = Signer.decodeSecret(rawSecret);
        Map<String, String> headers = headers(node.get("headers"), env);
        Duration timeout = defaultTimeout;
        if (node.has("timeoutMs")) {
            JsonNode t = node.get("timeoutMs");
            if (!t.canConvertToLong() || t.asLong() <= 0) throw new IllegalArgumentException("timeoutMs must be a positive number");
            timeout = Duration.ofMillis(t.asLong());
        }
        RetryPolicy retry = retry(node.get("retry"), defaults);
        OAuth2Settings oauth2 = oauth2(node.get("oauth2"), env);
        if (oauth2 != null && headers.keySet().stream().anyMatch(h -> h.equalsIgnoreCase("authorization"))) {
            throw new IllegalArgumentException("use either oauth2 or an Authorization header, not both");
        }
        return new Task(id, name, url, active, secret, headers, timeout, retry, oauth2);
    }

    private static Map<String, String> headers(JsonNode node, Env env) {
        if (node == null || node.isNull()) return Map.of();
        if (!node.isObject()) throw new IllegalArgumentException("headers must be an object of name: value");
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            String key = h.getKey().trim();
            if (!key.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) throw new IllegalArgumentException("header name '" + key + "' is invalid");
            if (RESERVED_HEADERS.contains(key.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("header " + key + " is set by the worker and cannot be configured");
            }
            if (!h.getValue().isValueNode()) throw new IllegalArgumentException("header " + key + " must be a string");
            String value = expand(h.getValue().asText(), env, "header " + key);
            if (value.contains("\n") || value.contains("\r")) throw new IllegalArgumentException("header " + key + " contains a line break");
            out.put(key, value);
        }
        return Map.copyOf(out);
    }

    private static RetryPolicy retry(JsonNode node, RetryPolicy defaults) {
        if (node == null || node.isNull()) return defaults;
        if (!node.isObject()) throw new IllegalArgumentException("retry must be an object {schedule, maxAttempts, maxAge, jitter}");
        try {
            return defaults.with(
                    node.hasNonNull("schedule") ? Durations.parseList(node.get("schedule").asText()) : null,
                    node.hasNonNull("maxAttempts") ? Integer.valueOf(node.get("maxAttempts").asInt()) : null,
                    node.hasNonNull("maxAge") ? Durations.parse(node.get("maxAge").asText()) : null,
                    node.hasNonNull("jitter") ? Double.valueOf(node.get("jitter").asDouble()) : null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("retry: " + e.getMessage(), e);
        }
    }

    private static OAuth2Settings oauth2(JsonNode node, Env env) {
        if (node == null || node.isNull()) return null;
        if (!node.isObject()) throw new IllegalArgumentException("oauth2 must be an object {tokenUrl, clientId, clientSecret, scope}");
        String tokenUrl = text(node, "tokenUrl");
        String clientId = text(node, "clientId");
        String clientSecret = expand(text(node, "clientSecret"), env, "oauth2.clientSecret");
        if (tokenUrl == null || clientId == null || clientSecret == null || clientId.isBlank() || clientSecret.isBlank()) {
            throw new IllegalArgumentException("oauth2 needs tokenUrl, clientId and clientSecret");
        }
        url(tokenUrl.trim(), "oauth2.tokenUrl");
        String method = Optional.ofNullable(text(node, "authMethod")).orElse("basic").toLowerCase(Locale.ROOT);
        if (!method.equals("basic") && !method.equals("post")) throw new IllegalArgumentException("oauth2.authMethod must be basic or post");
        return new OAuth2Settings(tokenUrl.trim(), clientId.trim(), clientSecret, text(node, "scope"), method);
    }

    private static URI url(String raw, String field) {
        URI uri;
        try {
            uri = URI.create(raw);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " '" + raw + "' is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException(field + " '" + raw + "' must be an absolute http(s) URL");
        }
        if (uri.getRawUserInfo() != null) throw new IllegalArgumentException(field + " must not carry credentials; use headers or oauth2");
        return uri;
    }

    private static String expand(String value, Env env, String field) {
        if (value == null) return null;
        Matcher m = ENV_REF.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String resolved = env.get(m.group(1), null);
            if (resolved == null) throw new IllegalArgumentException(field + " refers to ${" + m.group(1) + "}, which is not set");
            m.appendReplacement(out, Matcher.quoteReplacement(resolved));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isValueNode()) throw new IllegalArgumentException(field + " must be a string");
        return v.asText();
    }

    static String slug(String name) {
        String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
        return s.isEmpty() ? "task" : s.length() > 64 ? s.substring(0, 64) : s;
    }

    public List<Task> all() {
        return tasks;
    }

    /** Lookup by id (exact, case-insensitive) or by name (case-insensitive, trimmed). */
    public Optional<Task> find(String idOrName) {
        if (idOrName == null) return Optional.empty();
        String key = idOrName.trim();
        return tasks.stream().filter(t -> t.id().equalsIgnoreCase(key)).findFirst()
                .or(() -> tasks.stream().filter(t -> t.name().equalsIgnoreCase(key)).findFirst());
    }

    public List<Task> active() {
        return tasks.stream().filter(Task::requestable).toList();
    }

    @Override
    public String toString() {
        return tasks.toString();
    }
}
