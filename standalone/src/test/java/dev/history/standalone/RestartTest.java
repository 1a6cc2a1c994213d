package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The standalone system keeps broker log and state under DATA_DIR: a restart shows the same timelines. */
class RestartTest {

    @Test
    void restartOnTheSameDataDirKeepsEveryTimeline() {
        Map<String, String> env = new HashMap<>(TestSystems.env("restart"));
        env.remove("KAFKA_BOOTSTRAP_SERVERS");
        env.put("KAFKA_PORT", Integer.toString(TestSystems.freePort()));
        Map<String, String> before = new HashMap<>();

        try (Standalone system = TestSystems.start(env)) {
            TestHttp http = new TestHttp(system.port());
            for (int user = 0; user < 5; user++) {
                for (int i = 0; i < 10; i++) {
                    assertThat(http.postJson("/history", "{\"username\":\"r%d\",\"source\":\"ivr\",\"note\":\"%d\"}"
                            .formatted(user, i)).status()).isEqualTo(200);
                }
            }
            http.postJson("/userdata", "{\"username\":\"r0\",\"ani\":\"15550000\"}");
            TestSystems.await("all events visible", Duration.ofSeconds(30), () -> {
                for (int user = 0; user < 5; user++) {
                    if (http.get("/history?username=r" + user).json().size() != 10) return false;
                }
                return http.get("/getuserdata?ani=15550000").status() == 200;
            });
            for (int user = 0; user < 5; user++) before.put("r" + user, http.get("/history?username=r" + user).body());
        }

        try (Standalone system = TestSystems.start(env)) {
            TestHttp http = new TestHttp(system.port());
            for (Map.Entry<String, String> timeline : before.entrySet()) {
                assertThat(http.get("/history?username=" + timeline.getKey()).body()).isEqualTo(timeline.getValue());
            }
            JsonNode profile = http.get("/getuserdata?ani=15550000").json();
            assertThat(profile.get("username").asText()).isEqualTo("r0");
        }
    }
}
