package dev.history.common.openapi;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks one HTTP exchange of the test suite against the served OpenAPI 3.1 document
 * ({@code common/src/main/resources/openapi.json}): the path and method are documented; the request's path,
 * query and header parameters and its body (by content type) match their schemas, and no undocumented query
 * parameter is sent; the answer's status is documented for the operation, its content type is one the
 * document lists, its body matches the schema, and every header the document marks {@code required} is there
 * and matches its schema. Schemas are validated with networknt json-schema-validator in the OpenAPI 3.1
 * dialect (JSON Schema 2020-12 with format assertions on), so {@code $ref}s into {@code components} resolve
 * as in the document.
 *
 * <p>Every test HTTP client calls {@link #check} once per exchange; a test that sends a request that is
 * invalid on purpose (bad input, fuzzing, a missing credential is <em>not</em> that) uses the client's
 * "answer only" mode, which calls {@link #checkAnswer}: the answer must still be documented (typically the
 * {@code {"error","details"}} shape with its status).
 */
public final class OpenApiContract {
    private static final String DOC_URI = "https://history.dev/openapi.json";
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final OpenApiContract INSTANCE = new OpenApiContract(load());
    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    private final JsonNode doc;
    private final SchemaRegistry registry;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
    private final List<PathTemplate> paths = new ArrayList<>();

    /** The document on the test classpath (the same resource the services serve). */
    public static OpenApiContract get() {
        return INSTANCE;
    }

    OpenApiContract(String document) {
        this.doc = MAPPER.readTree(document);
        SchemaRegistryConfig config = SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build();
        this.registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(),
                b -> b.schemas(Map.of(DOC_URI, document)).schemaRegistryConfig(config));
        doc.get("paths").properties().forEach(e -> paths.add(PathTemplate.of(e.getKey())));
        // Exact paths before templates, so /fulfillment/tasks is not read as /fulfillment/{id}.
        paths.sort((a, b) -> Boolean.compare(a.hasVariables(), b.hasVariables()));
    }

    /** The document as a tree (read-only use). */
    public JsonNode document() {
        return doc;
    }

    /** Every documented "METHOD /path" (methods upper case). */
    public List<String> operations() {
        List<String> ops = new ArrayList<>();
        doc.get("paths").properties().forEach(p -> p.getValue().propertyNames().forEach(m -> {
            if (METHODS.contains(m)) ops.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey());
        }));
        return ops;
    }

    /** The documented path template that serves {@code path}, if any. */
    public Optional<String> template(String path) {
        return paths.stream().filter(t -> t.match(path) != null).map(PathTemplate::template).findFirst();
    }

    /** One exchange as the client saw it; {@code requestHeaders} as sent (any case), bodies as text. */
    public record Exchange(String method, URI uri, Map<String, List<String>> requestHeaders, String requestBody,
                           int status, HttpHeaders responseHeaders, String responseBody) {
        /** {@code responseBody} null: the response's own body when it is text. */
        public static Exchange of(String method, URI uri, Map<String, List<String>> requestHeaders, String requestBody,
                                  HttpResponse<?> response, String responseBody) {
            if (responseBody == null && response.body() instanceof String text) responseBody = text;
            return new Exchange(method, uri, requestHeaders, requestBody, response.statusCode(), response.headers(), responseBody);
        }
    }

    /** Validates request and answer; throws {@link AssertionError} listing every mismatch. */
    public void check(Exchange exchange) {
        report(exchange, validate(exchange, true));
    }

    /** Validates the answer only: for a request that is invalid on purpose. */
    public void checkAnswer(Exchange exchange) {
        report(exchange, validate(exchange, false));
    }

    /** {@link #check} for a {@code java.net.http} exchange ({@code requestBody} as sent, null for none); returns the response. */
    public <T> HttpResponse<T> checked(java.net.http.HttpRequest request, String requestBody, HttpResponse<T> response, String responseBody) {
        check(Exchange.of(request.method(), request.uri(), request.headers().map(), requestBody, response, responseBody));
        return response;
    }

    /** {@link #checkAnswer} for a {@code java.net.http} exchange whose request is invalid on purpose; returns the response. */
    public <T> HttpResponse<T> answerChecked(java.net.http.HttpRequest request, HttpResponse<T> response, String responseBody) {
        checkAnswer(Exchange.of(request.method(), request.uri(), request.headers().map(), null, response, responseBody));
        return response;
    }

    /** Mismatches of a JSON text with the schema {@code #/components/schemas/NAME} (e.g. a Server-Sent Event's data). */
    public List<String> validateJson(String schemaName, String json) {
        List<String> problems = new ArrayList<>();
        String pointer = "/components/schemas/" + escape(schemaName);
        if (doc.at(pointer).isMissingNode()) throw new IllegalArgumentException("no schema " + schemaName + " in the document");
        JsonNode instance = parseBody("application/json", json, doc.at(pointer), schemaName, problems);
        if (instance != null) validateValue(pointer, instance, schemaName, problems);
        return problems;
    }

    private static void report(Exchange x, List<String> problems) {
        if (problems.isEmpty()) return;
        String body = x.responseBody() == null ? "" : x.responseBody();
        throw new AssertionError("OpenAPI contract (common/src/main/resources/openapi.json) broken by " + x.method() + " "
                + x.uri().getRawPath() + (x.uri().getRawQuery() == null ? "" : "?" + x.uri().getRawQuery()) + " -> " + x.status()
                + ":\n  - " + String.join("\n  - ", problems)
                + "\n  answer body: " + (body.length() > 600 ? body.substring(0, 600) + "…" : body));
    }

    /** Every mismatch of the exchange with the document (empty when it conforms). */
    public List<String> validate(Exchange x, boolean validateRequest) {
        List<String> problems = new ArrayList<>();
        String path = x.uri().getRawPath();
        PathTemplate template = null;
        Map<String, String> pathValues = null;
        for (PathTemplate t : paths) {
            pathValues = t.match(path);
            if (pathValues != null) {
                template = t;
                break;
            }
        }
        if (template == null) {
            if (validateRequest) {
                problems.add("path " + path + " is not documented");
            } else if (x.status() != 404) {
                problems.add("an undocumented path must answer 404, not " + x.status());
            } else {
                // A request to an unknown path on purpose: the answer is the common error shape.
                validateValue("/components/schemas/Error", parseBody("application/json", x.responseBody(),
                        doc.at("/components/schemas/Error"), "answer", problems), "answer body", problems);
            }
            return problems;
        }
        String pointer = "/paths/" + escape(template.template());
        JsonNode pathItem = doc.at(pointer);
        String method = x.method().toLowerCase(Locale.ROOT);
        if (method.equals("options") && header(x.requestHeaders(), "Access-Control-Request-Method") != null) {
            // A CORS preflight (answered for every route by the CORS plugin): the method it asks about must be documented.
            String asked = header(x.requestHeaders(), "Access-Control-Request-Method").toLowerCase(Locale.ROOT);
            if (!pathItem.has(asked)) problems.add("CORS preflight for undocumented operation " + asked.toUpperCase(Locale.ROOT) + " " + template.template());
            if (x.status() >= 300) problems.add("CORS preflight answered " + x.status());
            return problems;
        }
        if (!pathItem.has(method)) {
            problems.add("operation " + x.method() + " " + template.template() + " is not documented");
            return problems;
        }
        String opPointer = pointer + "/" + method;
        JsonNode operation = pathItem.get(method);
        if (validateRequest) validateRequest(x, operation, opPointer, pathItem, pointer, pathValues, problems);
        validateResponse(x, operation, opPointer, problems);
        return problems;
    }

    private void validateRequest(Exchange x, JsonNode operation, String opPointer, JsonNode pathItem, String pathPointer,
                                 Map<String, String> pathValues, List<String> problems) {
        Map<String, List<String>> query = parseForm(x.uri().getRawQuery());
        Map<String, String> documentedQuery = new LinkedHashMap<>();
        List<Param> params = new ArrayList<>();
        collectParams(pathItem.path("parameters"), pathPointer + "/parameters", params);
        collectParams(operation.path("parameters"), opPointer + "/parameters", params);
        for (Param p : params) {
            String in = p.node.path("in").asString();
            String name = p.node.path("name").asString();
            boolean required = p.node.path("required").asBoolean(false);
            String value = switch (in) {
                case "path" -> pathValues.get(name);
                case "query" -> {
                    documentedQuery.put(name, name);
                    List<String> values = query.get(name);
                    yield values == null ? null : values.get(0);
                }
                case "header" -> header(x.requestHeaders(), name);
                default -> null;
            };
            if (value == null) {
                if (required) problems.add("request: required " + in + " parameter '" + name + "' missing");
                continue;
            }
            validateValue(p.pointer + "/schema", coerce(value, p.node.path("schema")), "request " + in + " parameter '" + name + "'", problems);
        }
        for (String name : query.keySet()) {
            if (!documentedQuery.containsKey(name)) problems.add("request: query parameter '" + name + "' is not documented");
        }

        JsonNode requestBody = operation.path("requestBody");
        String bodyPointer = opPointer + "/requestBody";
        if (requestBody.has("$ref")) {
            bodyPointer = refPointer(requestBody.get("$ref").asString());
            requestBody = doc.at(bodyPointer);
        }
        String body = x.requestBody() == null ? "" : x.requestBody();
        if (requestBody.isMissingNode()) {
            if (!body.isEmpty()) problems.add("request: a body is sent but the operation documents none");
            return;
        }
        if (body.isEmpty()) {
            if (requestBody.path("required").asBoolean(false)) problems.add("request: the required body is missing");
            return;
        }
        String type = mediaType(header(x.requestHeaders(), "Content-Type"));
        String key = mediaKey(requestBody.path("content"), type);
        if (key == null) {
            problems.add("request: content type " + type + " is not documented (documented: " + requestBody.path("content").propertyNames() + ")");
            return;
        }
        String schemaPointer = bodyPointer + "/content/" + escape(key) + "/schema";
        if (!doc.at(schemaPointer).isMissingNode()) {
            JsonNode instance = parseBody(type, body, doc.at(schemaPointer), "request", problems);
            if (instance != null) validateValue(schemaPointer, instance, "request body", problems);
        }
    }

    private void validateResponse(Exchange x, JsonNode operation, String opPointer, List<String> problems) {
        JsonNode responses = operation.path("responses");
        String code = Integer.toString(x.status());
        String key = responses.has(code) ? code : responses.has(code.charAt(0) + "XX") ? code.charAt(0) + "XX"
                : responses.has("default") ? "default" : null;
        if (key == null) {
            problems.add("answer status " + code + " is not documented (documented: " + responses.propertyNames() + ")");
            return;
        }
        String pointer = opPointer + "/responses/" + escape(key);
        JsonNode response = responses.get(key);
        if (response.has("$ref")) {
            pointer = refPointer(response.get("$ref").asString());
            response = doc.at(pointer);
        }
        JsonNode headers = response.path("headers");
        for (Map.Entry<String, JsonNode> h : headers.properties()) {
            String headerPointer = pointer + "/headers/" + escape(h.getKey());
            JsonNode header = h.getValue();
            if (header.has("$ref")) {
                headerPointer = refPointer(header.get("$ref").asString());
                header = doc.at(headerPointer);
            }
            Optional<String> value = x.responseHeaders().firstValue(h.getKey());
            if (value.isEmpty()) {
                if (header.path("required").asBoolean(false)) problems.add("answer: required header " + h.getKey() + " missing");
                continue;
            }
            if (header.has("schema")) {
                validateValue(headerPointer + "/schema", coerce(value.get(), header.get("schema")), "answer header " + h.getKey(), problems);
            }
        }
        JsonNode content = response.path("content");
        String body = x.responseBody() == null ? "" : x.responseBody();
        String type = mediaType(x.responseHeaders().firstValue("Content-Type").orElse(null));
        if (content.isMissingNode() || content.isEmpty()) {
            if (!body.isEmpty()) problems.add("answer: a body (" + type + ") is sent but the document describes none for " + key);
            return;
        }
        String mediaKey = mediaKey(content, type);
        if (mediaKey == null) {
            problems.add("answer: content type " + type + " is not documented for " + key + " (documented: " + content.propertyNames() + ")");
            return;
        }
        String schemaPointer = pointer + "/content/" + escape(mediaKey) + "/schema";
        if (doc.at(schemaPointer).isMissingNode() || !isJson(type)) return; // text bodies: the content type is the contract
        if (body.isEmpty()) {
            problems.add("answer: empty body, but the document describes a " + mediaKey + " body for " + key);
            return;
        }
        JsonNode instance = parseBody(type, body, doc.at(schemaPointer), "answer", problems);
        if (instance != null) validateValue(schemaPointer, instance, "answer body", problems);
    }

    private void validateValue(String schemaPointer, JsonNode instance, String what, List<String> problems) {
        Schema schema = schemas.computeIfAbsent(schemaPointer, p -> registry.getSchema(SchemaLocation.of(DOC_URI + "#" + p)));
        for (Error error : schema.validate(instance)) problems.add(what + ": " + error);
    }

    private record Param(JsonNode node, String pointer) {}

    private void collectParams(JsonNode list, String pointer, List<Param> into) {
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = list.get(i);
            String at = pointer + "/" + i;
            if (p.has("$ref")) {
                at = refPointer(p.get("$ref").asString());
                p = doc.at(at);
            }
            into.add(new Param(p, at));
        }
    }

    /** Turns a parameter, header or form value (text on the wire) into the JSON value its schema describes. */
    private JsonNode coerce(String value, JsonNode schema) {
        JsonNode resolved = schema.has("$ref") ? doc.at(refPointer(schema.get("$ref").asString())) : schema;
        List<String> types = new ArrayList<>();
        JsonNode type = resolved.path("type");
        if (type.isArray()) type.forEach(t -> types.add(t.asString()));
        else if (type.isString()) types.add(type.asString());
        if (types.contains("string") || types.isEmpty()) return JsonNodeFactory.instance.stringNode(value);
        try {
            if (types.contains("integer")) return JsonNodeFactory.instance.numberNode(Long.parseLong(value));
            if (types.contains("number")) return JsonNodeFactory.instance.numberNode(new java.math.BigDecimal(value));
        } catch (NumberFormatException e) {
            return JsonNodeFactory.instance.stringNode(value);
        }
        if (types.contains("boolean") && (value.equals("true") || value.equals("false"))) {
            return JsonNodeFactory.instance.booleanNode(Boolean.parseBoolean(value));
        }
        return JsonNodeFactory.instance.stringNode(value);
    }

    private JsonNode parseBody(String type, String body, JsonNode schema, String side, List<String> problems) {
        if (isJson(type)) {
            try {
                return MAPPER.readTree(body);
            } catch (RuntimeException e) {
                problems.add(side + ": body is not JSON: " + e.getMessage());
                return null;
            }
        }
        if ("application/x-www-form-urlencoded".equals(type)) {
            JsonNode resolved = schema.has("$ref") ? doc.at(refPointer(schema.get("$ref").asString())) : schema;
            ObjectNode object = JsonNodeFactory.instance.objectNode();
            parseForm(body).forEach((name, values) ->
                    object.set(name, coerce(values.get(0), resolved.path("properties").path(name))));
            return object;
        }
        return JsonNodeFactory.instance.stringNode(body);
    }

    private static boolean isJson(String type) {
        return type != null && (type.equals("application/json") || type.endsWith("+json"));
    }

    /** The documented media type key matching {@code type} (exact, then {@code type/*}, then {@code * / *}). */
    private static String mediaKey(JsonNode content, String type) {
        if (type == null) return null;
        if (content.has(type)) return type;
        String wildcard = type.substring(0, type.indexOf('/') + 1) + "*";
        if (content.has(wildcard)) return wildcard;
        return content.has("*/*") ? "*/*" : null;
    }

    private static String mediaType(String contentType) {
        if (contentType == null || contentType.isBlank()) return null;
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    private static String header(Map<String, List<String>> headers, String name) {
        if (headers == null) return null;
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) return e.getValue().get(0);
        }
        return null;
    }

    static Map<String, List<String>> parseForm(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return out;
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    private static String refPointer(String ref) {
        if (!ref.startsWith("#")) throw new IllegalStateException("only local $refs are supported: " + ref);
        return ref.substring(1);
    }

    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    private static String load() {
        try (InputStream in = OpenApiContract.class.getResourceAsStream("/openapi.json")) {
            if (in == null) throw new IllegalStateException("openapi.json missing from the test classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A documented path, {@code /fulfillment/{id}} matching one segment per variable. */
    private record PathTemplate(String template, Pattern pattern, List<String> names) {
        static PathTemplate of(String template) {
            List<String> names = new ArrayList<>();
            StringBuilder regex = new StringBuilder();
            Matcher m = Pattern.compile("\\{([^}]+)}").matcher(template);
            int last = 0;
            while (m.find()) {
                regex.append(Pattern.quote(template.substring(last, m.start()))).append("([^/]+)");
                names.add(m.group(1));
                last = m.end();
            }
            regex.append(Pattern.quote(template.substring(last)));
            return new PathTemplate(template, Pattern.compile(regex.toString()), names);
        }

        boolean hasVariables() {
            return !names.isEmpty();
        }

        Map<String, String> match(String rawPath) {
            Matcher m = pattern.matcher(rawPath);
            if (!m.matches()) return null;
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) values.put(names.get(i), decode(m.group(i + 1)));
            return values;
        }
    }
}
