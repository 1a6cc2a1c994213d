package dev.history.common.http.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javalin.Javalin;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTPS from PEM files made in the test (JDK keytool), TLS 1.2+ only, plain HTTP redirected or off. */
class TlsTest {
    private static Path cert;
    private static Path key;
    private static SSLContext trusting;
    private Javalin app;

    @BeforeAll
    static void makeCertificate() throws Exception {
        Path dir = Files.createTempDirectory("tls");
        Path store = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit")
                .redirectErrorStream(true).start();
        assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        Certificate certificate = ks.getCertificate("server");
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        Files.writeString(cert, pem("CERTIFICATE", certificate.getEncoded()));
        Files.writeString(key, pem("PRIVATE KEY", ks.getKey("server", "changeit".toCharArray()).getEncoded()));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    @AfterEach
    void stop() {
        if (app != null) app.stop();
    }

    private static HttpClient client(SSLContext context, String... protocols) {
        HttpClient.Builder b = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER);
        if (protocols.length > 0) {
            SSLParameters params = new SSLParameters();
            params.setProtocols(protocols);
            b.sslParameters(params);
        }
        return b.build();
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesHttpsAndRedirectsPlainHttp() throws Exception {
        int https = TestApps.freePort();
        app = TestApps.start(Map.of("HTTPS_PORT", Integer.toString(https), "TLS_CERT_FILE", cert.toString(),
                "TLS_KEY_FILE", key.toString(), "HTTP_REDIRECT_TO_HTTPS", "true"), TestApps.freePort());
        HttpResponse<String> secure = get(client(trusting), "https://localhost:" + https + "/history?username=a");
        assertThat(secure.statusCode()).isEqualTo(200);
        assertThat(secure.sslSession()).hasValueSatisfying(s -> assertThat(s.getProtocol()).isIn("TLSv1.3", "TLSv1.2"));
        assertThat(get(client(trusting, "TLSv1.2"), "https://localhost:" + https + "/health/live").statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> get(client(trusting, "TLSv1.1"), "https://localhost:" + https + "/health/live"))
                .isInstanceOf(IOException.class);

        HttpResponse<String> plain = get(client(trusting), "http://localhost:" + app.port() + "/history?username=a");
        assertThat(plain.statusCode()).isEqualTo(308);
        assertThat(plain.headers().firstValue("Location")).hasValue("https://localhost:" + https + "/history?username=a");
        assertThat(get(client(trusting), "http://localhost:" + app.port() + "/health/live").statusCode()).isEqualTo(200);

        assertThatThrownBy(() -> get(client(SSLContext.getDefault()), "https://localhost:" + https + "/health/live"))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void plainHttpCanBeOff() throws Exception {
        int https = TestApps.freePort();
        int http = TestApps.freePort();
        app = TestApps.start(Map.of("HTTPS_PORT", Integer.toString(https), "TLS_CERT_FILE", cert.toString(),
                "TLS_KEY_FILE", key.toString(), "HTTP_PLAIN_ENABLED", "false"), http);
        assertThat(get(client(trusting), "https://localhost:" + https + "/health/live").statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> get(client(trusting), "http://localhost:" + http + "/health/live")).isInstanceOf(IOException.class);
    }
}
