package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code GET /history/stream} on the real embedded broker: live delivery of exactly the element JSON of
 * {@code GET /history}, resume with {@code Last-Event-ID} without gap or duplicate, resets, heartbeats,
 * the caps, and a slow reader dropped without harming others.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveStreamTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private Standalone system;
    private TestHttp http;

    @BeforeAll
    void start() {
        Map<String, String> env = new HashMap<>(TestSystems.env("live-stream"));
        env.put("STREAM_HEARTBEAT_MS", "300");
        env.put("STREAM_RETRY_MS", "500");
        env.put("STREAM_MAX_PER_CUSTOMER", "3");
        env.put("STREAM_MAX_PER_INSTANCE", "8");
        env.put("STREAM_BUFFER_EVENTS", "120"); // above one batch of 50: a burst is not slowness
        system = TestSystems.start(env);
        http = new TestHttp(system.port());
    }

    @AfterAll
    void stop() {
        system.close();
    }

    @BeforeEach
    void noStreamsLeftOpen() {
        TestSystems.await("streams of earlier tests released", WAIT, () -> metric("history_stream_open") == 0);
    }

    @Test
    void addedEventsArePushedAsTheExactHistoryElementAndRetriesPushNothing() {
        try (SseTestClient client = SseTestClient.open(system.port(), "live-ann", null)) {
            assertThat(client.status()).isEqualTo(200);
            assertThat(client.header("Content-Type")).startsWith("text/event-stream");
            assertThat(client.header("Access-Control-Allow-Origin")).isNotNull();
            TestSystems.await("the opening block", WAIT, () -> client.lastEventId() != null && client.retry() != null);
            assertThat(client.lastEventId()).as("position of a customer without history").isEqualTo("-1");
            assertThat(client.retry()).isEqualTo(500L);
            assertThat(json(client.readies().get(0).data()).get("resumed").asBoolean()).isFalse();

            post("live-ann", "ann-1", "first");
            client.awaitEvents(1, WAIT);
            post("live-ann", "ann-1", "first"); // a client retry with the same id: nothing new is stored
            post("live-ann", "ann-2", "second");
            client.awaitEvents(2, WAIT);

            String body = http.get("/history?username=live-ann").body();
            List<SseTestClient.Event> events = client.events();
            assertThat(events).extracting(SseTestClient.Event::type).containsExactly("added", "added");
            assertThat("[" + events.get(0).data() + "," + events.get(1).data() + "]").isEqualTo(body);
            assertThat(Long.parseLong(events.get(1).id())).isGreaterThan(Long.parseLong(events.get(0).id()));
        }
    }

    @Test
    void aReconnectWithLastEventIdResumesWithoutGapOrDuplicate() throws Exception {
        String id;
        try (SseTestClient first = SseTestClient.open(system.port(), "live-bo", null)) {
            for (int i = 1; i <= 3; i++) post("live-bo", "bo-" + i, "n" + i);
            first.awaitEvents(3, WAIT);
            id = first.lastEventId();
        }
        for (int i = 4; i <= 6; i++) post("live-bo", "bo-" + i, "n" + i); // while disconnected
        Thread writer = new Thread(() -> {
            for (int i = 7; i <= 40; i++) post("live-bo", "bo-" + i, "n" + i); // while reconnecting
        });
        writer.start();
        String lastSeen;
        try (SseTestClient resumed = SseTestClient.open(system.port(), "live-bo", id)) {
            writer.join();
            resumed.awaitEvents(37, WAIT);
            List<String> eventIds = new ArrayList<>();
            for (SseTestClient.Event event : resumed.events()) eventIds.add(json(event.data()).get("id").asText());
            List<String> expected = new ArrayList<>();
            for (int i = 4; i <= 40; i++) expected.add("bo-" + i);
            assertThat(eventIds).containsExactlyElementsOf(expected);
            assertThat(resumed.events("added")).hasSize(37);
            assertThat(http.get("/history?username=live-bo").eventIds()).hasSize(40);
            lastSeen = resumed.lastEventId();
        }
        try (SseTestClient fresh = SseTestClient.open(system.port(), "live-bo", null)) {
            TestSystems.await("the opening position", WAIT, () -> fresh.lastEventId() != null);
            assertThat(fresh.lastEventId()).as("a fresh stream starts at the customer's last change").isEqualTo(lastSeen);
            post("live-bo", "bo-41", "after");
            fresh.awaitEvents(1, WAIT);
            assertThat(json(fresh.events().get(0).data()).get("id").asText()).isEqualTo("bo-41");
        }
    }

    @Test
    void aResetIsPushedLiveAndReplayedBeforeNewerEventsOnResume() {
        String beforeReset;
        try (SseTestClient live = SseTestClient.open(system.port(), "live-cy", null)) {
            post("live-cy", "cy-1", "old");
            live.awaitEvents(1, WAIT);
            beforeReset = live.lastEventId();
            assertThat(http.deleteJson("/history", "{\"username\":\"live-cy\"}").status()).isEqualTo(200);
            live.awaitEvents(2, WAIT);
            assertThat(live.events().get(1).type()).isEqualTo("reset");
            assertThat(json(live.events().get(1).data()).get("username").asText()).isEqualTo("live-cy");
        }
        post("live-cy", "cy-2", "new");
        try (SseTestClient resumed = SseTestClient.open(system.port(), "live-cy", beforeReset)) {
            resumed.awaitEvents(2, WAIT);
            assertThat(resumed.events()).extracting(SseTestClient.Event::type).containsExactly("reset", "added");
            assertThat(json(resumed.readies().get(0).data()).get("resumed").asBoolean()).isTrue();
            assertThat(json(resumed.events().get(1).data()).get("id").asText()).isEqualTo("cy-2");
        }
    }

    @Test
    void idleStreamsGetHeartbeats() {
        try (SseTestClient client = SseTestClient.open(system.port(), "live-di", null)) {
            TestSystems.await("three heartbeats", WAIT, () -> client.comments() >= 4); // the opening comment + 3
            assertThat(client.events()).isEmpty();
            assertThat(client.ended()).isFalse();
        }
    }

    @Test
    void capsPerCustomerAndPerInstanceRefuseInTheOneErrorShape() {
        List<SseTestClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) open.add(awaitOpen(SseTestClient.open(system.port(), "live-ed", null)));
            SseTestClient fourth = SseTestClient.open(system.port(), "live-ed", null);
            assertThat(fourth.status()).isEqualTo(429);
            assertThat(fourth.header("Retry-After")).isNotNull();
            JsonNode error = json(fourth.errorBody());
            assertThat(error.get("error").asText()).contains("too many open streams for this customer");
            assertThat(error.get("details").get("limit").asInt()).isEqualTo(3);

            for (int i = 0; i < 5; i++) open.add(awaitOpen(SseTestClient.open(system.port(), "live-other-" + i, null)));
            SseTestClient ninth = SseTestClient.open(system.port(), "live-fay", null);
            assertThat(ninth.status()).isEqualTo(503);
            assertThat(ninth.header("Retry-After")).isNotNull();
            assertThat(json(ninth.errorBody()).get("error").asText()).contains("too many open streams on this instance");
            assertThat(metric("history_stream_open")).isEqualTo(8);
        } finally {
            open.forEach(SseTestClient::close);
        }
        TestSystems.await("slots released on disconnect", WAIT, () -> metric("history_stream_open") == 0);
        try (SseTestClient again = SseTestClient.open(system.port(), "live-ed", null)) {
            assertThat(again.status()).isEqualTo(200);
        }
    }

    @Test
    void aSlowReaderIsDisconnectedAndResumesWhileOthersGetEverything() {
        double droppedBefore = metric("history_stream_slow_dropped_total");
        String note = "x".repeat(7000);
        Set<String> posted = new java.util.LinkedHashSet<>();
        try (SseTestClient fast = SseTestClient.open(system.port(), "live-gus", null);
                SseTestClient slow = SseTestClient.open(system.port(), "live-gus", null, 1024, false)) {
            assertThat(slow.status()).isEqualTo(200);
            int batch = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (metric("history_stream_slow_dropped_total") <= droppedBefore) {
                assertThat(System.nanoTime()).as("the slow reader was dropped in time").isLessThan(deadline);
                StringBuilder body = new StringBuilder("[");
                for (int i = 0; i < 50; i++) {
                    String id = "gus-" + batch + "-" + i;
                    posted.add(id);
                    body.append(i == 0 ? "" : ",").append("{\"username\":\"live-gus\",\"source\":\"sms\",\"id\":\"")
                            .append(id).append("\",\"note\":\"").append(note).append("\"}");
                }
                assertThat(http.postJson("/history/batch", body.append(']').toString()).status()).isEqualTo(200);
                batch++;
            }
            fast.awaitEvents(posted.size(), WAIT);
            assertThat(fast.ended()).as("the fast reader keeps its stream").isFalse();
            assertThat(new HashSet<>(dataIds(fast.events()))).isEqualTo(posted);

            slow.startReading();
            TestSystems.await("the slow reader's stream ends", WAIT, slow::ended);
            assertThat(slow.events().size()).isLessThan(posted.size());
            try (SseTestClient resumed = SseTestClient.open(system.port(), "live-gus", slow.lastEventId())) {
                resumed.awaitEvents(posted.size() - slow.events().size(), WAIT);
                List<String> all = new ArrayList<>(dataIds(slow.events()));
                all.addAll(dataIds(resumed.events()));
                assertThat(all).doesNotHaveDuplicates();
                assertThat(new HashSet<>(all)).isEqualTo(posted);
            }
        }
    }

    private SseTestClient awaitOpen(SseTestClient client) {
        assertThat(client.status()).isEqualTo(200);
        TestSystems.await("stream open", WAIT, () -> client.lastEventId() != null);
        return client;
    }

    private void post(String username, String id, String note) {
        String body = "{\"username\":\"%s\",\"source\":\"ivr\",\"id\":\"%s\",\"note\":\"%s\"}".formatted(username, id, note);
        assertThat(http.postJson("/history", body).status()).isEqualTo(200);
    }

    private double metric(String name) {
        Matcher matcher = Pattern.compile("(?m)^" + name + "\\{[^}]*} ([0-9.eE+-]+)$").matcher(http.get("/metrics").body());
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }

    private static List<String> dataIds(List<SseTestClient.Event> events) {
        List<String> ids = new ArrayList<>();
        for (SseTestClient.Event event : events) ids.add(json(event.data()).get("id").asText());
        return ids;
    }

    private static JsonNode json(String text) {
        try {
            return dev.history.common.Json.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
