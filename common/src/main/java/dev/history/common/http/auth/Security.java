package dev.history.common.http.auth;

import dev.history.common.privacy.Privacy;
import dev.history.common.KafkaSettings;
import dev.history.common.http.ApiError;
import dev.history.common.http.Fields;
import dev.history.common.http.RequestBodies;
import dev.history.common.http.Responses;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import io.javalin.router.ParsedEndpoint;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything that protects one HTTP app, built from {@link AuthSettings} and plugged in by
 * {@code HttpApp.create}: listen address, TLS, the authentication/scope/rate-limit gate, stream
 * tickets, the audit trail, and the start-up check that every registered route has a declared scope.
 */
public final class Security implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Security.class);
    private static final int MAX_TICKET_BODY = 4096;

    private final AuthSettings settings;
    private final Authenticator authenticator;
    private final StreamTickets tickets;
    private final AuditLog audit;
    private volatile boolean closed;
    private Privacy privacy = Privacy.disabled();

    private Security(AuthSettings settings, AuditLog audit) {
        this.settings = settings;
        this.authenticator = settings.enforced() ? Authenticator.from(settings) : new Authenticator(null, null, null);
        this.tickets = new StreamTickets(settings.ticketSecret(), settings.ticketTtl(), Clock.systemUTC());
        this.audit = audit;
    }

    /** The protection a service's settings ask for; creates the audit topic and its producer when auditing is on. */
    public static Security create(AuthSettings settings, KafkaSettings kafka) {
        return create(settings, kafka, Privacy.disabled());
    }

    /** As above; audit records name customers and lookup values by their pseudonyms when {@code privacy} is on. */
    public static Security create(AuthSettings settings, KafkaSettings kafka, Privacy privacy) {
        Security security = createWithoutPrivacy(settings, kafka);
        security.privacy = privacy;
        return security;
    }

    private static Security createWithoutPrivacy(AuthSettings settings, KafkaSettings kafka) {
        AuditLog audit = null;
        if (settings.audit().enabled()) {
            kafka.ensureTopics(List.of(new NewTopic(settings.audit().topic(), kafka.partitions(), kafka.replicationFactor())
                    .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(settings.audit().retentionMs()),
                            TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(kafka.minInsyncReplicas())))));
            audit = new AuditLog(new KafkaProducer<>(kafka.producer("audit")), settings.audit().topic(), settings.audit().queueSize());
        }
        return new Security(settings, audit);
    }

    /** No credentials, loopback only, no audit: what an app built without settings gets. */
    public static Security local() {
        return new Security(AuthSettings.local(), null);
    }

    /** For tests: these settings with this audit log (or none). */
    public static Security of(AuthSettings settings, AuditLog audit) {
        return new Security(settings, audit);
    }

    public AuthSettings settings() {
        return settings;
    }

    public StreamTickets tickets() {
        return tickets;
    }

    /** The principal of a request that passed authentication (anonymous when the system runs open). */
    public static Principal principal(Context ctx) {
        return Gate.principal(ctx);
    }

    public void install(JavalinConfig config) {
        config.jetty.host = settings.host();
        if (settings.tls() != null) TlsListener.install(config, settings.tls(), settings.host());
        Gate gate = new Gate(settings.enforced(), authenticator, tickets, new RateLimiter(settings.limits()),
                new ClientAddress(settings.trustedProxies()));
        config.routes.beforeMatched(gate::handle);
        if (audit != null) {
            AuditTrail trail = new AuditTrail(audit, privacy);
            config.routes.after(trail::after);
        }
        config.routes.post(RouteScopes.STREAM_TICKET_PATH, this::issueTicket);
        config.events.serverStarting(() -> checkRoutes(config.unsafe.internalRouter.allHttpHandlers()));
        config.events.serverStarted(this::announce);
        config.events.serverStopped(this::close);
    }

    /** Fails the start (authentication on) or warns (open) when a registered route has no declared scope. */
    private void checkRoutes(List<ParsedEndpoint> routes) {
        List<Endpoint> endpoints = routes.stream().map(p -> p.endpoint).toList();
        List<String> undeclared = RouteScopes.undeclared(endpoints);
        if (undeclared.isEmpty()) return;
        String message = "routes without a declared scope in RouteScopes: " + undeclared;
        if (settings.enforced()) throw new IllegalStateException(message + "; refusing to start with authentication on");
        LOG.warn("{} (they would be refused with authentication on)", message);
    }

    private void announce() {
        switch (settings.mode()) {
            case LOCAL -> LOG.info("no credentials configured: listening on loopback only ({}); every route is open to "
                    + "local clients. Configure API_KEYS_FILE, AUTH_JWKS_URL or AUTH_INTROSPECTION_URL to listen on "
                    + "other addresses", settings.host());
            case NONE -> LOG.warn("AUTH=none: authentication is OFF; every route is open to anyone who can reach {}",
                    settings.host());
            case ENFORCED -> LOG.info("authentication on ({}) listening on {}{}; audit {}", authenticator.describe(),
                    settings.host(), settings.tls() == null ? "" : " with HTTPS on port " + settings.tls().httpsPort(),
                    audit == null ? "off" : "to topic " + settings.audit().topic());
        }
        if (settings.enforced() && settings.ticketSecret() == null) {
            LOG.info("stream tickets are signed with a per-process key; set AUTH_TICKET_SECRET when several instances serve streams");
        }
    }

    /** {@code POST /auth/stream-ticket {username}}: a short-lived ticket for one customer's stream. */
    private void issueTicket(Context ctx) {
        Fields fields = RequestBodies.fields(ctx, MAX_TICKET_BODY);
        String username = fields.text("username");
        if (username == null || username.isBlank()) throw ApiError.badField("username", "username is required");
        if (username.length() > 256) throw ApiError.badField("username", "username is longer than 256 characters");
        StreamTickets.Issued issued = tickets.issue(principal(ctx), username.trim());
        ctx.header("Cache-Control", "no-store");
        Responses.json(ctx, 200, Map.of("ticket", issued.ticket(), "username", username.trim(),
                "expiresAt", issued.expires().toString()));
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (audit != null) audit.close();
    }
}
