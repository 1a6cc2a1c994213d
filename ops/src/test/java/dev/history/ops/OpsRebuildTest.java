package dev.history.ops;

import static dev.history.ops.Ops.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.history.standalone.Standalone;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import dev.history.standalone.TestHttp;
import dev.history.standalone.TestSystems;

/**
 * {@code ops rebuild} on a standalone system with its own embedded broker, as an operator runs it:
 * refused while the system runs, a dry run changes nothing, and after a real rebuild the restarted
 * system rebuilds every timeline and lookup exactly as they were.
 */
class OpsRebuildTest {

    @Test
    void rebuildOfAStoppedStandaloneSystemReproducesEveryTimelineAndLookup() throws Exception {
        Map<String, String> env = new HashMap<>(TestSystems.env("opsrebuild"));
        env.remove("KAFKA_BOOTSTRAP_SERVERS");
        env.put("KAFKA_PORT", Integer.toString(TestSystems.freePort()));
        String dataDir = env.get("DATA_DIR");
        Path localState = Path.of(dataDir, "streams", "opsrebuild-streams");
        Map<String, String> timelines = new LinkedHashMap<>();
        Map<String, Integer> lookups = new LinkedHashMap<>();
        Set<String> internalTopics;

        try (Standalone system = TestSystems.start(env)) {
            TestHttp http = new TestHttp(system.port());
            for (int user = 0; user < 4; user++) {
                for (int i = 0; i < 8; i++) {
                    assertThat(http.postJson("/history", "{\"username\":\"b%d\",\"source\":\"ivr\",\"note\":\"n%d\"}"
                            .formatted(user, i)).status()).isEqualTo(200);
                }
            }
            // A 200 means durable, not yet materialised: wait for the timeline before taking a parent from it.
            TestSystems.await("b0's events visible", Duration.ofSeconds(30), () -> http.get("/history?username=b0").json().size() == 8);
            String parent = http.get("/history?username=b0").json().get(0).get("id").asText();
            http.postJson("/history", "{\"username\":\"b0\",\"source\":\"bot\",\"level\":1,\"parent\":\"" + parent + "\",\"note\":\"child\"}");
            assertThat(http.deleteJson("/history", "{\"username\":\"b1\"}").status()).isEqualTo(200);
            http.postJson("/history", "{\"username\":\"b1\",\"source\":\"sms\",\"note\":\"after reset\"}");
            assertThat(http.postJson("/userdata", "{\"username\":\"b0\",\"ani\":\"15550001\",\"email\":\"B0@example.com\"}").status()).isEqualTo(200);
            assertThat(http.postJson("/userdata", "{\"username\":\"b2\",\"ani\":\"15550002\"}").status()).isEqualTo(200);
            // b2 moves to a new number: the old one is released, and must stay released after the rebuild.
            assertThat(http.postJson("/userdata", "{\"username\":\"b2\",\"ani\":\"15550003\"}").status()).isEqualTo(200);
            TestSystems.await("all writes visible", Duration.ofSeconds(30), () ->
                    http.get("/history?username=b0").json().size() == 9
                            && http.get("/history?username=b1").json().size() == 1
                            && http.get("/getuserdata?ani=15550003").status() == 200
                            && http.get("/getuserdata?ani=15550002").status() == 404
                            && http.get("/getuserdata?email=b0@example.com").status() == 200);
            for (int user = 0; user < 4; user++) timelines.put("b" + user, http.get("/history?username=b" + user).body());
            for (String query : new String[] {"ani=15550001", "email=b0@example.com", "ani=15550002", "ani=15550003"}) {
                lookups.put(query, http.get("/getuserdata?" + query).status());
            }
            internalTopics = internalTopics(system.bootstrapServers());
            assertThat(internalTopics).hasSize(6); // 5 changelogs (incl. pending-writes) + the alias repartition topic

            // While it runs: refused, naming the members, and nothing changes.
            Ops.Result refused = run(env, "rebuild", "--data-dir", dataDir);
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.err()).contains("is running").contains("active member").contains("opsrebuild-streams")
                    .contains("Nothing was changed");
            assertThat(internalTopics(system.bootstrapServers())).isEqualTo(internalTopics);
            assertThat(localState).isDirectory();
            assertThat(http.get("/history?username=b0").body()).isEqualTo(timelines.get("b0"));
        }

        // Stopped: a dry run starts the broker on the data dir, reports the plan and changes nothing.
        Ops.Result dryRun = run(env, "rebuild", "--data-dir", dataDir, "--dry-run");
        assertThat(dryRun.code()).isEqualTo(0);
        assertThat(dryRun.out()).contains("dry run, nothing changed").contains("internalTopicsToDelete=6");
        assertThat(dryRun.err()).contains("starting the standalone broker");
        assertThat(localState).isDirectory();

        Ops.Result rebuild = run(env, "rebuild", "--data-dir", dataDir);
        assertThat(rebuild.code()).isEqualTo(0);
        assertThat(rebuild.out()).contains("internalTopicsDeleted=6").contains("inputPartitionsReset=8")
                .contains("localStateDeleted=" + localState.toAbsolutePath());
        assertThat(Files.exists(localState)).isFalse();

        // Safe to run twice: nothing left to delete, offsets reset again.
        Ops.Result again = run(env, "rebuild", "--data-dir", dataDir);
        assertThat(again.code()).isEqualTo(0);
        assertThat(again.out()).contains("internalTopicsDeleted=0").contains("localStateDeleted=none");

        try (Standalone system = TestSystems.start(env)) {
            TestHttp http = new TestHttp(system.port());
            TestSystems.await("timelines rebuilt", Duration.ofSeconds(60), () ->
                    timelines.entrySet().stream().allMatch(t -> http.get("/history?username=" + t.getKey()).body().equals(t.getValue()))
                            && lookups.entrySet().stream().allMatch(l -> http.get("/getuserdata?" + l.getKey()).status() == l.getValue()));
            for (Map.Entry<String, String> timeline : timelines.entrySet()) {
                assertThat(http.get("/history?username=" + timeline.getKey()).body()).isEqualTo(timeline.getValue());
            }
            assertThat(http.get("/getuserdata?ani=15550001").json().get("username").asText()).isEqualTo("b0");
            assertThat(http.get("/getuserdata?ani=15550003").json().get("username").asText()).isEqualTo("b2");
            assertThat(http.get("/getuserdata?ani=15550002").status()).isEqualTo(404);
            assertThat(Files.isDirectory(localState)).isTrue();
        }
    }

    private static Set<String> internalTopics(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> topics = new TreeSet<>(admin.listTopics().names().get(30, TimeUnit.SECONDS));
            // changelog and repartition topics only: the dead-letter topic is the application's but not internal
            topics.removeIf(t -> !t.startsWith("opsrebuild-streams-") || !(t.endsWith("-changelog") || t.endsWith("-repartition")));
            return topics;
        }
    }
}
