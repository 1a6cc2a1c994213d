package dev.history.common.http.auth;

import static dev.history.common.http.auth.RouteRule.Audit.CHANGE;
import static dev.history.common.http.auth.RouteRule.Audit.READ;

import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one table of what every route needs, for every service (they share paths, and standalone serves
 * them all on one port). A route registered in an app but missing here is refused: the app will not
 * start with authentication on, and {@code RouteTableTest} fails, so a new route cannot be left open
 * by accident. Entries for routes a service does not register are harmless.
 */
public final class RouteScopes {
    /** Issues stream tickets (registered by {@link Security} itself). */
    public static final String STREAM_TICKET_PATH = "/auth/stream-ticket";

    private static final Map<String, RouteRule> TABLE = new LinkedHashMap<>();

    static {
        // Probes and the API description carry no customer data; load balancers call them without credentials.
        declare("GET", "/health/live", RouteRule.open());
        declare("GET", "/health/ready", RouteRule.open());
        declare("GET", "/openapi.json", RouteRule.open());
        declare("GET", "/metrics", RouteRule.needs(Scope.OPS));
        // The widgets' code and the /ui/ page hold no data (they call the API with the user's own token).
        for (String path : List.of("/widgets/customer-history.js", "/widgets/fulfillment-tasks.js",
                "/widgets/history-client.js", "/ui", "/ui/index.html", "/ui/ui.js")) {
            declare("GET", path, RouteRule.open());
        }

        declare("POST", "/history", RouteRule.needs(Scope.HISTORY_WRITE));
        declare("POST", "/history/batch", RouteRule.needs(Scope.HISTORY_WRITE));
        declare("DELETE", "/history", RouteRule.needs(Scope.HISTORY_WRITE).audited(CHANGE));
        declare("GET", "/history", RouteRule.needs(Scope.HISTORY_READ).audited(READ));
        declare("GET", "/history/stream", RouteRule.needs(Scope.HISTORY_READ).withTicket().audited(READ));
        declare("POST", "/events", RouteRule.needs(Scope.HISTORY_WRITE));
        // Webex Contact Center cannot present an API key: its webhooks are authenticated by their signature
        // (HMAC of the body with the subscription secret), which the route itself verifies (docs/ADAPTERS.md).
        declare("POST", "/adapters/webex-cc", RouteRule.signedByCaller());

        declare("GET", "/getuserdata", RouteRule.needs(Scope.HISTORY_READ).audited(READ));
        declare("POST", "/userdata", RouteRule.needs(Scope.DIRECTORY_WRITE).audited(CHANGE));
        declare("PUT", "/userdata", RouteRule.needs(Scope.DIRECTORY_WRITE).audited(CHANGE));
        declare("DELETE", "/userdata", RouteRule.needs(Scope.DIRECTORY_WRITE).audited(CHANGE));
        // Erasure (crypto-shredding, docs/OPERATIONS.md#forgetting-a-customer) and its receipts.
        declare("DELETE", "/customers/{username}", RouteRule.needs(Scope.ADMIN).audited(CHANGE));
        declare("GET", "/customers/erasures/{id}", RouteRule.needs(Scope.ADMIN));

        // The widget's button list and a request's state: what a history reader (the desktop) needs.
        declare("GET", "/fulfillment/tasks", RouteRule.needs(Scope.HISTORY_READ));
        declare("GET", "/fulfillment/{id}", RouteRule.needs(Scope.HISTORY_READ));
        declare("POST", "/fulfillment", RouteRule.needs(Scope.FULFILLMENT_WRITE).audited(CHANGE));

        declare("POST", STREAM_TICKET_PATH, RouteRule.needs(Scope.HISTORY_READ));
    }

    private RouteScopes() {}

    private static void declare(String method, String path, RouteRule rule) {
        TABLE.put(key(method, path), rule);
    }

    private static String key(String method, String path) {
        return method + " " + path;
    }

    public static Optional<RouteRule> rule(HandlerType method, String path) {
        // HEAD is answered by the GET route.
        String m = HandlerType.HEAD.equals(method) ? "GET" : method.name();
        return Optional.ofNullable(TABLE.get(key(m, path)));
    }

    public static Optional<RouteRule> rule(Endpoint endpoint) {
        return rule(endpoint.method, endpoint.path);
    }

    /** Registered HTTP routes with no entry in the table ({@code "METHOD path"}). */
    public static List<String> undeclared(Collection<Endpoint> endpoints) {
        return endpoints.stream()
                .filter(e -> e.method.isHttpMethod() && !HandlerType.OPTIONS.equals(e.method))
                .filter(e -> rule(e).isEmpty())
                .map(e -> key(e.method.name(), e.path))
                .distinct()
                .toList();
    }

    /** The whole table, for docs and tests. */
    public static Map<String, RouteRule> table() {
        return Map.copyOf(TABLE);
    }
}
