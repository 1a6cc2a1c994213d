package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.Json;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import dev.history.query.StoreNames;
import dev.history.streams.StreamsMain;

/**
 * A live stream survives the death of the history-streams instance that owns the customer (SIGKILL
 * of a child JVM): clients reconnect with their last event id, to whichever instance answers, and
 * end up with every acknowledged event exactly once, in order.
 */
class LiveStreamFailoverTest {

    @Test
    void streamsKeepEveryEventThroughTheDeathOfTheOwner() throws Exception {
        Map<String, String> env = new HashMap<>(TestSystems.env("live-failover"));
        env.put("TOPIC_PARTITIONS", "12");
        env.put("NUM_STANDBY_REPLICAS", "1");
        env.put("KAFKA_CLIENT_SESSION_TIMEOUT_MS", "6000");
        env.put("KAFKA_CLIENT_HEARTBEAT_INTERVAL_MS", "1500");
        env.put("STREAM_HEARTBEAT_MS", "500");
        List<AutoCloseable> resources = new ArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        try {
            TestHttp gateway = TestServices.gateway(env, resources);
            TestServices.Streams survivor = TestServices.streams(env, "b", resources);
            int victimPort = TestSystems.freePort();
            Map<String, String> victimEnv = new HashMap<>(env);
            victimEnv.put("HTTP_PORT", Integer.toString(victimPort));
            victimEnv.put("STATE_DIR", TestSystems.tempDir("live-streams-a").toString());
            ChildJvm victim = ChildJvm.start(StreamsMain.class.getName(), victimEnv, Files.createTempFile("live-streams-a", ".log"));
            resources.add(victim);
            TestServices.awaitReady(survivor.http());
            TestServices.awaitReady(new TestHttp(victimPort));

            HostInfo victimHost = new HostInfo("localhost", victimPort);
            String[] customer = {null};
            TestSystems.await("a customer owned by the victim", Duration.ofSeconds(60), () -> {
                for (int c = 0; c < 100; c++) {
                    if (victimHost.equals(survivor.service().streams()
                            .queryMetadataForKey(StoreNames.TIMELINE, "fo" + c, Serdes.String().serializer()).activeHost())) {
                        customer[0] = "fo" + c;
                        return true;
                    }
                }
                return false;
            });
            String username = customer[0];
            // One reader reaches the owner through the other instance (relayed), one talks to the owner itself.
            ResumingReader relayed = new ResumingReader(username, survivor.port(), survivor.port(), running);
            ResumingReader direct = new ResumingReader(username, victimPort, survivor.port(), running);
            relayed.start();
            direct.start();
            TestSystems.await("both readers connected", Duration.ofSeconds(30), () -> relayed.connections.get() > 0 && direct.connections.get() > 0);

            List<String> acknowledged = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 20; i++) acknowledged.add(post(gateway, username, "fo-" + i));
            TestSystems.await("the first events streamed", Duration.ofSeconds(30),
                    () -> relayed.ids.size() >= 10 && direct.ids.size() >= 10);
            victim.kill();
            for (int i = 20; i < 60; i++) acknowledged.add(post(gateway, username, "fo-" + i));

            TestSystems.await("every acknowledged event on both streams", Duration.ofSeconds(120),
                    () -> relayed.ids.size() >= acknowledged.size() && direct.ids.size() >= acknowledged.size());
            System.out.printf("stream failover: relayed reader connected %d times, direct reader %d times%n",
                    relayed.connections.get(), direct.connections.get());
            assertThat(relayed.ids).as("relayed reader").containsExactlyElementsOf(acknowledged);
            assertThat(direct.ids).as("direct reader").containsExactlyElementsOf(acknowledged);
            assertThat(direct.connections.get()).as("the direct reader reconnected elsewhere").isGreaterThan(1);
        } finally {
            running.set(false);
            for (int i = resources.size() - 1; i >= 0; i--) resources.get(i).close();
        }
    }

    /** Like the widget's EventSource: on any end or refusal, reconnect with the last event id (to the fallback port if the first is gone). */
    private static final class ResumingReader extends Thread {
        final List<String> ids = new CopyOnWriteArrayList<>();
        final AtomicInteger connections = new AtomicInteger();
        private final String username;
        private final int firstPort;
        private final int fallbackPort;
        private final AtomicBoolean running;

        ResumingReader(String username, int firstPort, int fallbackPort, AtomicBoolean running) {
            this.username = username;
            this.firstPort = firstPort;
            this.fallbackPort = fallbackPort;
            this.running = running;
            setDaemon(true);
        }

        @Override
        public void run() {
            String lastEventId = null;
            int port = firstPort;
            while (running.get()) {
                SseTestClient client;
                try {
                    client = SseTestClient.open(port, username, lastEventId);
                } catch (AssertionError unreachable) {
                    port = fallbackPort;
                    pause();
                    continue;
                }
                try (client) {
                    if (client.status() != 200) {
                        pause(); // 503 + Retry-After while the owner is unknown or restoring
                        continue;
                    }
                    connections.incrementAndGet();
                    int seen = 0;
                    while (running.get() && !client.ended()) {
                        List<SseTestClient.Event> events = client.events();
                        for (; seen < events.size(); seen++) {
                            ids.add(Json.read(events.get(seen).data().getBytes(), dev.history.common.HistoryEvent.class).id());
                        }
                        Thread.onSpinWait();
                        pause();
                    }
                    List<SseTestClient.Event> events = client.events();
                    for (; seen < events.size(); seen++) {
                        ids.add(Json.read(events.get(seen).data().getBytes(), dev.history.common.HistoryEvent.class).id());
                    }
                    if (client.lastEventId() != null) lastEventId = client.lastEventId();
                }
            }
        }

        private static void pause() {
            try {
                Thread.sleep(20); // a retry interval, not synchronisation: the test polls with deadlines
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String post(TestHttp gateway, String username, String id) {
        String body = "{\"username\":\"%s\",\"source\":\"ivr\",\"id\":\"%s\"}".formatted(username, id);
        for (int attempt = 0; attempt < 20; attempt++) {
            if (gateway.postJson("/history", body).status() == 200) return id;
        }
        throw new AssertionError("not acknowledged: " + id);
    }
}
