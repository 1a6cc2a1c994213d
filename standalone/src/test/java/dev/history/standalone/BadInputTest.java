package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every kind of bad input gets a 4xx JSON error naming what is wrong, and writes nothing. */
class BadInputTest {
    private static Standalone system;
    private static TestHttp http;
    private static Map<String, String> env;
    private long historyBefore;
    private long profilesBefore;

    @BeforeAll
    static void start() {
        env = TestSystems.env("bad-input");
        system = TestSystems.start(env);
        // Every request here is invalid on purpose: only the answers are checked against the OpenAPI document.
        http = new TestHttp(system.port()).answerOnly();
    }

    @AfterAll
    static void stop() {
        system.close();
    }

    @BeforeEach
    void countRecords() {
        historyBefore = records("TOPIC_HISTORY_EVENTS");
        profilesBefore = records("TOPIC_CUSTOMER_PROFILES");
    }

    @AfterEach
    void nothingWasWritten() {
        assertThat(records("TOPIC_HISTORY_EVENTS")).as("history records").isEqualTo(historyBefore);
        assertThat(records("TOPIC_CUSTOMER_PROFILES")).as("profile records").isEqualTo(profilesBefore);
    }

    @Test
    void malformedJson() {
        expect(http.postJson("/history", "{\"username\": \"a\", "), 400, "body", "malformed JSON");
    }

    @Test
    void notAnObject() {
        expect(http.postJson("/history", "[1,2]"), 400, "body", "JSON object");
        expect(http.postJson("/history", ""), 400, "body", "empty");
    }

    @Test
    void missingUsername() {
        expect(http.postJson("/history", "{\"source\":\"ivr\"}"), 400, "username", "username is required");
        expect(http.postJson("/history", "{\"username\":\"  \",\"source\":\"ivr\"}"), 400, "username", "required");
        expect(http.postForm("/history", "source=ivr&note=x"), 400, "username", "username is required");
    }

    @Test
    void missingSource() {
        expect(http.postJson("/history", "{\"username\":\"a\"}"), 400, "source", "source is required");
    }

    @Test
    void unknownSource() {
        expect(http.postJson("/history", "{\"username\":\"a\",\"source\":\"telex\"}"), 400, "source", "unknown source 'telex'");
    }

    @Test
    void wrongTypes() {
        expect(http.postJson("/history", "{\"username\":{\"x\":1},\"source\":\"ivr\"}"), 400, "username", "must be a string");
        expect(http.postJson("/history", "{\"username\":\"a\",\"source\":[\"ivr\"]}"), 400, "source", "must be a string");
        expect(http.postJson("/history", "{\"username\":\"a\",\"source\":\"ivr\",\"level\":\"three\"}"), 400, "level", "1 or 2");
        expect(http.postJson("/history", "{\"username\":\"a\",\"source\":\"ivr\",\"level\":7}"), 400, "level", "1 or 2");
        expect(http.postJson("/history", "{\"username\":\"a\",\"source\":\"ivr\",\"note\":true}"), 400, "note", "must be a string");
        expect(http.postJson("/history", "{\"username\":\"a\",\"source\":\"ivr\",\"channel\":\"fax\"}"), 400, "channel", "voice");
        expect(http.postJson("/history", "{\"username\":\"a\",\"source\":\"ivr\",\"timestamp\":\"yesterday\"}"),
                400, "timestamp", "ISO-8601");
        expect(http.postJson("/history", "{\"username\":\"a\",\"source\":\"ivr\",\"id\":\"has spaces\"}"), 400, "id", "id must");
    }

    @Test
    void oversizedBodyAndFields() {
        String note = "x".repeat(70_000);
        TestHttp.Response big = http.postJson("/history", "{\"username\":\"a\",\"source\":\"ivr\",\"note\":\"" + note + "\"}");
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.json().get("error").asText()).contains("limit");
        expect(http.postJson("/history", "{\"username\":\"a\",\"source\":\"ivr\",\"note\":\"" + "y".repeat(8001) + "\"}"),
                400, "note", "longer than 8000");
        expect(http.postJson("/history", "{\"username\":\"" + "u".repeat(300) + "\",\"source\":\"ivr\"}"),
                400, "username", "longer than");
        String item = "{\"username\":\"a\",\"source\":\"ivr\",\"note\":\"" + "z".repeat(7000) + "\"}";
        byte[] huge = ("[" + (item + ",").repeat(800) + item + "]").getBytes(StandardCharsets.UTF_8);
        TestHttp.Response tooBig = http.post("/history/batch", "application/json", huge);
        assertThat(tooBig.status()).as(tooBig.body()).isEqualTo(413);
        assertThat(tooBig.json().has("error")).isTrue();
    }

    @Test
    void unsupportedContentType() {
        TestHttp.Response response = http.post("/history", "text/plain", "{\"username\":\"a\",\"source\":\"ivr\"}".getBytes());
        expect(response, 415, "Content-Type", "unsupported content type");
        expect(http.post("/history/batch", "application/x-www-form-urlencoded", "username=a&source=ivr".getBytes()),
                415, "Content-Type", "unsupported content type");
    }

    @Test
    void badBatches() {
        expect(http.postJson("/history/batch", "{\"username\":\"a\",\"source\":\"ivr\"}"), 400, "body", "JSON array");
        expect(http.postJson("/history/batch", "[]"), 400, "body", "empty");
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i < 1001; i++) many.append(i == 0 ? "" : ",").append("{\"username\":\"a\",\"source\":\"ivr\"}");
        TestHttp.Response tooMany = http.postJson("/history/batch", many.append("]").toString());
        assertThat(tooMany.status()).isEqualTo(413);
        assertThat(tooMany.json().get("error").asText()).contains("limit is 1000");
        TestHttp.Response allBad = http.postJson("/history/batch", "[{\"username\":\"a\"},{\"source\":\"ivr\"}]");
        assertThat(allBad.status()).isEqualTo(200);
        assertThat(allBad.json().get(0).get("details").get("field").asText()).isEqualTo("source");
        assertThat(allBad.json().get(1).get("details").get("field").asText()).isEqualTo("username");
    }

    @Test
    void badResetsAndReads() {
        expect(http.deleteJson("/history", "{}"), 400, "username", "username is required");
        expect(http.get("/history"), 400, "username", "username is required");
        expect(http.get("/history?username=a&limit=0"), 400, "limit", "limit must");
        expect(http.get("/history?username=a&limit=lots"), 400, "limit", "limit must");
        expect(http.get("/history?username=a&since=monday"), 400, "since", "ISO-8601");
        expect(http.get("/history?username=a&before=not-a-cursor"), 400, "before", "invalid cursor");
        expect(http.get("/getuserdata?phone=1"), 400, "ani", "one of ani, email or psid");
    }

    @Test
    void badProfiles() {
        expect(http.postJson("/userdata", "{\"ani\":\"123\"}"), 400, "username", "username is required");
        expect(http.postJson("/userdata", "{\"username\":\"a\",\"email\":\"not-an-address\"}"), 400, "email", "e-mail");
        expect(http.postJson("/userdata", "{\"username\":[1]}"), 400, "username", "must be a string");
    }

    @Test
    void unknownRoutesAnswerJson() {
        TestHttp.Response response = http.get("/nothing-here");
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().get("error").asText()).contains("not found");
    }

    private static void expect(TestHttp.Response response, int status, String field, String message) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        assertThat(response.json().get("error").asText()).contains(message);
        assertThat(response.json().get("details").get("field").asText()).isEqualTo(field);
    }

    private static long records(String topicVariable) {
        return TestSystems.recordCount(system.bootstrapServers(), env.get(topicVariable));
    }
}
