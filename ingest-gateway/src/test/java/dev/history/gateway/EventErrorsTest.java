package dev.history.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.Env;
import dev.history.common.http.HttpApp;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The exact answers the gateway gives to invalid events (status and body, byte for byte), including which
 * error wins when several fields are wrong: flows and widgets match on these sentences. Nothing is handed
 * to Kafka for any of them. The producer is Kafka's MockProducer: this is about validation, not Kafka.
 */
class EventErrorsTest {
    private static final MockProducer<String, byte[]> PRODUCER =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static Javalin app;

    @BeforeAll
    static void start() {
        GatewayConfig config = GatewayConfig.from(Env.of(Map.of("HISTORY_SOURCES", "ivr=voice,chat=digital,agent")));
        app = HttpApp.create(config.http(), new GatewayRoutes(config, new HistoryWriter(PRODUCER, "errors-history"))).start(0);
    }

    @AfterAll
    static void stop() {
        app.stop();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            POST  | {"source":"ivr"}                                          | 400 | {"error":"username is required","details":{"field":"username"}}
            POST  | {"username":"   ","source":"ivr"}                          | 400 | {"error":"username is required","details":{"field":"username"}}
            POST  | {"username":"\\u0001","source":"ivr"}                      | 400 | {"error":"username is required","details":{"field":"username"}}
            POST  | {"username":{},"source":"nope"}                           | 400 | {"error":"username must be a string, got object","details":{"field":"username"}}
            POST  | {"username":"","source":{}}                               | 400 | {"error":"username is required","details":{"field":"username"}}
            POST  | {"username":"u"}                                          | 400 | {"error":"source is required","details":{"field":"source"}}
            POST  | {"username":"u","source":" "}                             | 400 | {"error":"source is required","details":{"field":"source"}}
            POST  | {"username":"u","source":"Fax","channel":[]}              | 400 | {"error":"unknown source 'fax'; known: agent, chat, ivr","details":{"field":"source"}}
            POST  | {"username":"u","source":"ivr","channel":[]}              | 400 | {"error":"channel must be a string, got array","details":{"field":"channel"}}
            POST  | {"username":"u","source":"ivr","channel":"sms","note":{}} | 400 | {"error":"channel must be 'voice' or 'digital'","details":{"field":"channel"}}
            POST  | {"username":"u","source":"ivr","parent":true}             | 400 | {"error":"parent must be a string, got boolean","details":{"field":"parent"}}
            POST  | {"username":"u","source":"ivr","id":"a b","level":7}      | 400 | {"error":"id must be 1-128 characters of letters, digits and . _ : @ -","details":{"field":"id"}}
            POST  | {"username":"u","source":"ivr","timestamp":"yesterday"}   | 400 | {"error":"timestamp must be ISO-8601 with an offset, e.g. 2026-01-31T12:00:00Z","details":{"field":"timestamp"}}
            POST  | {"username":"u","source":"ivr","timestamp":"2026-01-31T12:00:00"} | 400 | {"error":"timestamp must be ISO-8601 with an offset, e.g. 2026-01-31T12:00:00Z","details":{"field":"timestamp"}}
            POST  | {"username":"u","source":"ivr","level":"3","note":[]}     | 400 | {"error":"level must be 1 or 2","details":{"field":"level"}}
            POST  | {"username":"u","source":"ivr","level":1.5}               | 400 | {"error":"level must be 1 or 2","details":{"field":"level"}}
            POST  | {"username":"u","source":"ivr","note":[],"link":{}}       | 400 | {"error":"note must be a string, got array","details":{"field":"note"}}
            POST  | {"username":"u","source":"ivr","link":false}              | 400 | {"error":"link must be a string, got boolean","details":{"field":"link"}}
            DELETE| {"source":"ivr"}                                          | 400 | {"error":"username is required","details":{"field":"username"}}
            DELETE| {"username":[]}                                           | 400 | {"error":"username must be a string, got array","details":{"field":"username"}}
            """)
    void jsonErrors(String method, String body, int status, String expected) throws Exception {
        int before = PRODUCER.history().size();
        HttpResponse<String> response = send(method.trim(), "application/json", body.trim());
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.body()).isEqualTo(expected.trim());
        assertThat(PRODUCER.history()).hasSize(before);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            LONG_USERNAME | {"error":"username is longer than 256 characters","details":{"field":"username"}}
            LONG_CHANNEL  | {"error":"channel is longer than 32 characters","details":{"field":"channel"}}
            LONG_PARENT   | {"error":"parent is longer than 128 characters","details":{"field":"parent"}}
            LONG_NOTE     | {"error":"note is longer than 8000 characters","details":{"field":"note"}}
            LONG_LINK     | {"error":"link is longer than 2048 characters","details":{"field":"link"}}
            LONG_ID       | {"error":"id must be 1-128 characters of letters, digits and . _ : @ -","details":{"field":"id"}}
            """)
    void limitsInForms(String kind, String expected) throws Exception {
        String form = switch (kind) {
            case "LONG_USERNAME" -> "source=ivr&username=" + "u".repeat(257);
            case "LONG_CHANNEL" -> "username=u&source=ivr&channel=" + "v".repeat(33);
            case "LONG_PARENT" -> "username=u&source=ivr&parent=" + "p".repeat(129);
            case "LONG_NOTE" -> "username=u&source=ivr&note=" + "n".repeat(8001);
            case "LONG_LINK" -> "username=u&source=ivr&link=" + "l".repeat(2049);
            default -> "username=u&source=ivr&id=" + "i".repeat(129);
        };
        int before = PRODUCER.history().size();
        HttpResponse<String> response = send("POST", "application/x-www-form-urlencoded", form);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo(expected.trim());
        assertThat(PRODUCER.history()).hasSize(before);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            username=%20ann%20&source=IVR&level=2.0&parent=p1          | ann | ivr   | voice   | 2 | p1
            username=ann&source=chat&level=1                           | ann | chat  | digital | 1 | ``
            username=ann&source=agent&channel=VOICE&timestamp=2026-01-31T13:00:00%2B01:00 | ann | agent | voice | 1 | ``
            """)
    void validFormsAreNormalised(String form, String username, String source, String channel, int level, String parent)
            throws Exception {
        int before = PRODUCER.history().size();
        HttpResponse<String> response = send("POST", "application/x-www-form-urlencoded", form.trim());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(PRODUCER.history()).hasSize(before + 1);
        var record = PRODUCER.history().get(before);
        var command = dev.history.common.Json.read(record.value(), dev.history.common.HistoryCommand.class);
        assertThat(record.key()).isEqualTo(username);
        assertThat(command.username()).isEqualTo(username);
        assertThat(command.event().source()).isEqualTo(source);
        assertThat(command.event().channel()).isEqualTo(channel);
        assertThat(command.event().level()).isEqualTo(level);
        assertThat(command.event().parent()).isEqualTo(parent);
        assertThat(response.body()).isEqualTo("{\"id\":\"" + command.event().id() + "\"}");
        if (form.contains("timestamp")) assertThat(command.event().timestamp()).isEqualTo("2026-01-31T12:00:00.000Z");
    }

    private static HttpResponse<String> send(String method, String type, String body) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://localhost:" + app.port() + "/history"))
                .header("Content-Type", type).method(method, HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
