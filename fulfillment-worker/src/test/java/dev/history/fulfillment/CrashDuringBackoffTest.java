package dev.history.fulfillment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Timestamps;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** kill -9 while a request waits for its next attempt: after a restart the attempt happens, once. */
class CrashDuringBackoffTest {

    @Test
    void waitSurvivesACrashAndTheRequestCompletesExactlyOnce() throws Exception {
        try (Sink sink = new Sink("127.0.0.1")) {
            sink.script("/hook", Sink.Reply.of(500));
            String catalog = """
                    [{"name": "Replace card", "url": "%s", "active": true, "retry": {"schedule": "3s"}}]
                    """.formatted(sink.url("/hook"));
            TestSystem first = new TestSystem(catalog, Map.of()).start();
            String id = first.request("Replace card", "alice", "p");
            JsonNode retrying = first.awaitState(id, "retrying", Duration.ofSeconds(20));
            assertThat(sink.byWebhookId(id)).hasSize(1);
            // The retry record is read and parked on the timer (its offset uncommitted) when we crash.
            Await.until(Duration.ofSeconds(5), () -> first.service.held(), n -> n == 1, "the retry to be parked");
            first.crash();
            long crashedAt = System.currentTimeMillis();
            long dueAt = Timestamps.parse(retrying.get("nextAttemptAt").asText()).toEpochMilli();
            assertThat(crashedAt).as("crash happened during the backoff").isLessThan(dueAt);

            try (TestSystem second = first.restarted().start()) {
                JsonNode done = second.awaitState(id, "succeeded", Duration.ofSeconds(30));
                assertThat(done.get("attempts")).extracting(a -> a.get("status").asInt()).containsExactly(500, 200);
                awaitNoLag(second);

                List<Sink.Delivery> deliveries = sink.byWebhookId(id);
                assertThat(deliveries).extracting(Sink.Delivery::answered).containsExactly(500, 200);
                assertThat(deliveries.get(1).receivedAtMillis()).isGreaterThanOrEqualTo(dueAt - 5);
                assertThat(second.notes("alice")).containsExactly(
                        "Replace card requested",
                        second.notes("alice").get(1),
                        "Replace card succeeded after 2 attempts");
                assertThat(second.notes("alice").get(1)).startsWith("Replace card attempt 1 failed: HTTP 500");
            }
        }
    }

    /** Waits until the group has committed everything on both input topics (nothing left to re-read). */
    private static void awaitNoLag(TestSystem system) {
        Properties props = new Properties();
        props.put("bootstrap.servers", system.bootstrap);
        try (Admin admin = Admin.create(props)) {
            Await.until(Duration.ofSeconds(20), () -> {
                try {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin
                            .listConsumerGroupOffsets(system.config.groupId()).partitionsToOffsetAndMetadata().get();
                    Map<TopicPartition, OffsetSpec> latest = committed.keySet().stream()
                            .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
                    var ends = admin.listOffsets(latest).all().get();
                    long lag = 0;
                    for (var e : ends.entrySet()) lag += e.getValue().offset() - committed.get(e.getKey()).offset();
                    return committed.keySet().stream().map(TopicPartition::topic).distinct().count() == 2 ? lag : -1L;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, lag -> lag == 0, "consumer group lag 0");
        }
    }
}
