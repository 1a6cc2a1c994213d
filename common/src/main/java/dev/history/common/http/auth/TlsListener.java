package dev.history.common.http.auth;

import dev.history.common.http.ApiError;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The HTTPS listener (Jetty 12 {@link SslContextFactory.Server}) from PEM files, TLS 1.2 and 1.3 only,
 * beside the plain HTTP one, which may redirect to it (health probes excepted) or be off. The plain
 * connector is added first so {@code app.port()} stays the HTTP port when there is one.
 */
final class TlsListener {
    private TlsListener() {}

    static void install(JavalinConfig config, AuthSettings.Tls tls, String host) {
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        String password = Base64.getEncoder().encodeToString(random);
        KeyStore store = Pem.keyStore(tls.certFile(), tls.keyFile(), password.toCharArray());
        if (tls.plainHttp()) {
            config.jetty.addConnector((server, http) -> {
                ServerConnector plain = new ServerConnector(server, new HttpConnectionFactory(http));
                plain.setHost(host);
                plain.setPort(config.jetty.port);
                return plain;
            });
        }
        config.jetty.addConnector((server, http) -> {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(store);
            ssl.setKeyStorePassword(password);
            ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
            HttpConfiguration https = new HttpConfiguration(http);
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            secure.setSniHostCheck(false);
            https.addCustomizer(secure);
            ServerConnector connector = new ServerConnector(server,
                    new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
            connector.setHost(host);
            connector.setPort(tls.httpsPort());
            return connector;
        });
        if (tls.plainHttp() && tls.redirectHttp()) {
            config.routes.before(ctx -> redirect(ctx, tls.httpsPort()));
        }
    }

    private static void redirect(Context ctx, int httpsPort) {
        if (!"http".equals(ctx.scheme()) || ctx.path().startsWith("/health/")) return;
        String host = ctx.req().getServerName();
        if (host.contains(":")) host = "[" + host + "]";
        String query = ctx.queryString();
        String location = "https://" + host + (httpsPort == 443 ? "" : ":" + httpsPort) + ctx.path() + (query == null ? "" : "?" + query);
        ctx.header("Location", location);
        throw new ApiError(308, "use HTTPS: " + location, Map.of("location", location));
    }
}
