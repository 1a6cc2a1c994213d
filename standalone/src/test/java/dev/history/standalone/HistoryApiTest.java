package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP contract end to end: HTTP → gateway → Kafka → Streams/RocksDB → query-api → HTTP. */
class HistoryApiTest {
    private static Standalone system;
    private static TestHttp http;

    @BeforeAll
    static void start() {
        system = TestSystems.start(TestSystems.env("api"));
        http = new TestHttp(system.port());
    }

    @AfterAll
    static void stop() {
        system.close();
    }

    @Test
    void jsonEventComesBackWithTheExactElementShape() {
        String user = user();
        TestHttp.Response posted = http.postJson("/history", """
                {"username":"%s","source":"ivr","channel":"voice","level":1,"note":"called about card","link":"https://crm/1"}"""
                .formatted(user));

        assertThat(posted.status()).isEqualTo(200);
        String id = posted.json().get("id").asText();
        JsonNode timeline = awaitTimeline(user, 1);
        JsonNode event = timeline.get(0);
        assertThat(names(event)).containsExactly("id", "timestamp", "parent", "level", "channel", "source", "note", "link");
        assertThat(event.get("id").asText()).isEqualTo(id);
        assertThat(event.get("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(event.get("parent").asText()).isEmpty();
        assertThat(event.get("level").asInt()).isEqualTo(1);
        assertThat(event.get("channel").asText()).isEqualTo("voice");
        assertThat(event.get("source").asText()).isEqualTo("ivr");
        assertThat(event.get("note").asText()).isEqualTo("called about card");
        assertThat(event.get("link").asText()).isEqualTo("https://crm/1");
    }

    @Test
    void formBodiesWithStringNumbersAndChildrenNestUnderTheirParent() {
        String user = user();
        String parent = http.postForm("/history", "username=" + user + "&source=webchat&note=chat+started")
                .json().get("id").asText();
        TestHttp.Response child = http.postForm("/history",
                "username=" + user + "&source=bot&level=1&parent=" + parent + "&note=asked+for+balance");

        assertThat(child.status()).isEqualTo(200);
        JsonNode timeline = awaitTimeline(user, 2);
        assertThat(timeline.get(0).get("id").asText()).isEqualTo(parent);
        assertThat(timeline.get(0).get("channel").asText()).isEqualTo("digital");
        assertThat(timeline.get(1).get("parent").asText()).isEqualTo(parent);
        assertThat(timeline.get(1).get("level").asInt()).isEqualTo(1);
        assertThat(timeline.get(1).get("note").asText()).isEqualTo("asked for balance");
    }

    @Test
    void unknownCustomerIsAnEmptyArray() {
        TestHttp.Response response = http.get("/history?username=" + user());
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("[]");
    }

    @Test
    void timelineIsOrderedByTimestampThenArrival() {
        String user = user();
        post(user, "\"timestamp\":\"2026-01-01T10:00:05Z\",\"note\":\"late\"");
        post(user, "\"timestamp\":\"2026-01-01T09:00:00+01:00\",\"note\":\"early\"");
        post(user, "\"timestamp\":\"2026-01-01T10:00:05.000Z\",\"note\":\"late2\"");

        JsonNode timeline = awaitTimeline(user, 3);
        assertThat(notes(timeline)).containsExactly("early", "late", "late2");
        assertThat(timeline.get(0).get("timestamp").asText()).isEqualTo("2026-01-01T08:00:00.000Z");
    }

    @Test
    void resetClearsTheTimelineAndLaterEventsAppearAlone() {
        String user = user();
        post(user, "\"note\":\"one\"");
        post(user, "\"note\":\"two\"");
        awaitTimeline(user, 2);

        TestHttp.Response reset = http.deleteJson("/history", "{\"username\":\"" + user + "\"}");
        assertThat(reset.status()).isEqualTo(200);
        post(user, "\"note\":\"after\"");

        TestSystems.await("only the new event", Duration.ofSeconds(20),
                () -> notes(timeline(user)).equals(List.of("after")));
    }

    @Test
    void sameClientIdOrIdempotencyKeyNeverCreatesASecondEvent() {
        String user = user();
        String body = "{\"username\":\"" + user + "\",\"source\":\"sms\",\"id\":\"flow-42\",\"note\":\"once\"}";
        assertThat(http.postJson("/history", body).json().get("id").asText()).isEqualTo("flow-42");
        assertThat(http.postJson("/history", body).json().get("id").asText()).isEqualTo("flow-42");

        String keyed = "{\"username\":\"" + user + "\",\"source\":\"sms\",\"note\":\"keyed\"}";
        String first = http.postJson("/history", keyed, "Idempotency-Key", "retry-7").json().get("id").asText();
        String second = http.postJson("/history", keyed, "Idempotency-Key", "retry-7").json().get("id").asText();
        assertThat(second).isEqualTo(first);
        post(user, "\"note\":\"marker\"");

        JsonNode timeline = awaitTimeline(user, 3);
        assertThat(notes(timeline)).containsExactly("once", "keyed", "marker");
    }

    @Test
    void batchWritesValidItemsAndReportsEachInOrder() {
        String user = user();
        // Items 2 and 3 are invalid on purpose (each gets its own error): only the answer is checked.
        TestHttp.Response response = http.answerOnly().postJson("/history/batch", """
                [{"username":"%1$s","source":"email","note":"b1"},
                 {"username":"%1$s","source":"fax","note":"bad"},
                 {"source":"email","note":"no user"},
                 {"username":"%1$s","source":"email","note":"b2"}]""".formatted(user));

        assertThat(response.status()).isEqualTo(200);
        JsonNode results = response.json();
        assertThat(results).hasSize(4);
        assertThat(results.get(0).has("id")).isTrue();
        assertThat(results.get(1).get("error").asText()).contains("unknown source");
        assertThat(results.get(1).get("details").get("field").asText()).isEqualTo("source");
        assertThat(results.get(2).get("details").get("field").asText()).isEqualTo("username");
        assertThat(results.get(3).has("id")).isTrue();
        JsonNode timeline = awaitTimeline(user, 2);
        assertThat(notes(timeline)).containsExactly("b1", "b2");
        assertThat(timeline.get(1).get("id").asText()).isEqualTo(results.get(3).get("id").asText());
    }

    @Test
    void largeTimelinesArePagedNewestFirstWithALinkToOlderEvents() {
        String user = user();
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 25; i++) {
            if (i > 0) batch.append(',');
            batch.append("{\"username\":\"%s\",\"source\":\"%s\",\"note\":\"n%02d\",\"timestamp\":\"2026-02-01T10:00:%02dZ\"}"
                    .formatted(user, i % 5 == 0 ? "sms" : "ivr", i, i));
        }
        http.postJson("/history/batch", batch.append(']').toString());
        awaitTimeline(user, 25);

        TestHttp.Response page1 = http.get("/history?username=" + user + "&limit=10");
        assertThat(notes(page1.json())).first().isEqualTo("n15");
        assertThat(notes(page1.json())).last().isEqualTo("n24");
        String link = page1.header("Link");
        assertThat(link).contains("rel=\"next\"");
        TestHttp.Response page2 = http.get(link.substring(link.indexOf('<') + 1, link.indexOf('>')));
        assertThat(notes(page2.json())).first().isEqualTo("n05");
        String link2 = page2.header("Link");
        TestHttp.Response page3 = http.get(link2.substring(link2.indexOf('<') + 1, link2.indexOf('>')));
        assertThat(notes(page3.json())).containsExactly("n00", "n01", "n02", "n03", "n04");
        assertThat(page3.header("Link")).isNull();

        assertThat(notes(http.get("/history?username=" + user + "&source=sms").json()))
                .containsExactly("n00", "n05", "n10", "n15", "n20");
        assertThat(notes(http.get("/history?username=" + user
                + "&since=2026-02-01T10:00:20Z&until=2026-02-01T10:00:22Z").json()))
                .containsExactly("n20", "n21", "n22");
        assertThat(http.get("/history?username=" + user + "&channel=digital").json()).hasSize(5);
    }

    @Test
    void directoryFindsCustomersByPhoneEmailAndMessengerId() {
        String user = user();
        String phone = "+44 20 7946 " + (1000 + (int) (Math.random() * 8999));
        TestHttp.Response saved = http.postJson("/userdata", """
                {"username":"%s","name":"Ada","ani":"%s","email":"Ada.%s@Example.com","psid":"psid-%s",
                 "msisdn":"447700900123","preferredChannel":"whatsapp"}""".formatted(user, phone, user, user));
        assertThat(saved.status()).isEqualTo(200);

        String digits = phone.replaceAll("[^0-9]", "");
        JsonNode byAni = awaitLookup("ani=" + digits);
        assertThat(byAni.get("username").asText()).isEqualTo(user);
        assertThat(byAni.get("preferredChannel").asText()).isEqualTo("whatsapp");
        assertThat(http.get("/getuserdata?ani=%2B" + digits).json().get("username").asText()).isEqualTo(user);
        assertThat(http.get("/getuserdata?email=ADA." + user + "@example.COM").json().get("username").asText()).isEqualTo(user);
        assertThat(http.get("/getuserdata?psid=psid-" + user).json().get("username").asText()).isEqualTo(user);

        TestHttp.Response unknown = http.get("/getuserdata?ani=999" + digits);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("error").asText()).contains("no customer");
        assertThat(http.get("/getuserdata").status()).isEqualTo(400);
    }

    @Test
    void changingAPhoneRemovesTheOldMappingAndAClaimedAliasIsAConflict() {
        String user = user();
        String other = user();
        String oldPhone = "1555" + (100000 + (int) (Math.random() * 899999));
        String newPhone = "1666" + (100000 + (int) (Math.random() * 899999));
        http.postJson("/userdata", "{\"username\":\"%s\",\"ani\":\"%s\"}".formatted(user, oldPhone));
        awaitLookup("ani=" + oldPhone);

        TestHttp.Response conflict = http.postJson("/userdata", "{\"username\":\"%s\",\"ani\":\"+%s\"}".formatted(other, oldPhone));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.json().get("details").get("field").asText()).isEqualTo("ani");

        assertThat(http.postJson("/userdata", "{\"username\":\"%s\",\"ani\":\"%s\"}".formatted(user, newPhone)).status())
                .isEqualTo(200);
        awaitLookup("ani=" + newPhone);
        TestSystems.await("old phone released", Duration.ofSeconds(20),
                () -> http.get("/getuserdata?ani=" + oldPhone).status() == 404);
        assertThat(http.postJson("/userdata", "{\"username\":\"%s\",\"ani\":\"%s\"}".formatted(other, oldPhone)).status())
                .isEqualTo(200);
        TestSystems.await("old phone claimed by the other customer", Duration.ofSeconds(20),
                () -> http.get("/getuserdata?ani=" + oldPhone).body().contains(other));
    }

    @Test
    void browsersGetCorsHeadersIncludingPreflight() {
        TestHttp.Response preflight = http.method("OPTIONS", "/history",
                "Origin", "https://desktop.example", "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "content-type");
        assertThat(preflight.status()).isEqualTo(200);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isIn("*", "https://desktop.example");
        assertThat(preflight.header("Access-Control-Allow-Methods")).contains("POST");
        assertThat(preflight.header("Access-Control-Allow-Headers")).containsIgnoringCase("content-type");

        TestHttp.Response get = http.get("/history?username=x", "Origin", "https://desktop.example");
        assertThat(get.header("Access-Control-Allow-Origin")).isIn("*", "https://desktop.example");
    }

    @Test
    void readinessReportsTheBrokerAndTheStreamsState() {
        TestHttp.Response ready = http.get("/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().get("checks").get("streams").asText()).isEqualTo("UP");
        assertThat(http.get("/health/live").status()).isEqualTo(200);
    }

    @Test
    void prometheusMetricsCoverHttpRoutesKafkaClientsAndStreams() {
        String user = user();
        post(user, "\"note\":\"counted\"");
        awaitTimeline(user, 1);

        TestHttp.Response metrics = http.get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("http_server_requests_seconds_count{method=\"POST\",route=\"/history\",service=\"standalone\",status=\"200\"}")
                .contains("http_server_requests_seconds_count{method=\"GET\",route=\"/history\"")
                .contains("kafka_producer_record_send_total")
                .contains("kafka_consumer_fetch_manager_records_lag")
                .contains("kafka_stream_thread_process_total")
                .contains("jvm_memory_used_bytes");
    }

    @Test
    void theOpenApiDocumentDescribesRoutesThatExist() {
        JsonNode doc = http.get("/openapi.json").json();
        assertThat(doc.get("openapi").asText()).isEqualTo("3.1.0");
        List<String> checked = new ArrayList<>();
        doc.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            String url = path.getKey().replace("{id}", "some-id").replace("{username}", "some-user");
            // Bodies and required parameters are left out on purpose: only the answer is checked.
            TestHttp.Response response = http.answerOnly().method(method.toUpperCase(), url);
            assertThat(response.body()).as("%s %s", method, url).doesNotContain("not found\"");
            checked.add(method + " " + path.getKey());
        }));
        assertThat(checked).contains("post /history", "get /history", "delete /history", "post /history/batch",
                "get /getuserdata", "post /userdata", "post /fulfillment", "get /fulfillment/{id}", "get /metrics");
    }

    @Test
    void everyRouteTheAppRegistersIsInTheOpenApiDocument() {
        // The other direction of theOpenApiDocumentDescribesRoutesThatExist: standalone registers every
        // service's routes on one port, so a route added without documenting it fails here.
        List<String> documented = dev.history.common.openapi.OpenApiContract.get().operations();
        List<String> registered = dev.history.common.http.HttpApp.routes(system.app()).stream()
                .filter(e -> !e.method.name().equals("HEAD") && !e.method.name().equals("OPTIONS"))
                .map(e -> e.method.name() + " " + e.path).distinct().toList();
        assertThat(registered).as("routes registered by the standalone app").contains("GET /history", "POST /fulfillment");
        assertThat(registered.stream().filter(route -> !documented.contains(route)).toList())
                .as("registered routes missing from openapi.json").isEmpty();
    }

    private static String user() {
        return "u-" + UUID.randomUUID();
    }

    private static void post(String user, String extraFields) {
        TestHttp.Response response = http.postJson("/history",
                "{\"username\":\"" + user + "\",\"source\":\"ivr\"," + extraFields + "}");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    static JsonNode timeline(String user) {
        TestHttp.Response response = http.get("/history?username=" + user);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private static JsonNode awaitTimeline(String user, int size) {
        List<JsonNode> last = new ArrayList<>(1);
        TestSystems.await(size + " events for " + user, Duration.ofSeconds(20), () -> {
            JsonNode timeline = timeline(user);
            last.clear();
            last.add(timeline);
            return timeline.size() >= size;
        });
        assertThat(last.get(0)).hasSize(size);
        return last.get(0);
    }

    private static JsonNode awaitLookup(String query) {
        TestSystems.await("lookup " + query, Duration.ofSeconds(20), () -> http.get("/getuserdata?" + query).status() == 200);
        return http.get("/getuserdata?" + query).json();
    }

    private static List<String> notes(JsonNode timeline) {
        return StreamSupport.stream(timeline.spliterator(), false).map(e -> e.get("note").asText()).toList();
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
