package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.history.common.ConsistencyToken;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 9: two profiles claiming the same phone at the same moment. The alias processor
 * decides (first claim wins) and both writers are told its decision: one 200, one 409; the directory
 * names the winner, the loser's stored profile does not list the number, and once the winner
 * releases it the number is free (404, and claimable by the other customer).
 */
class AliasRaceTest {
    private static final int ROUNDS = 25;

    @Test
    void concurrentClaimsOfOnePhoneGetOneWinnerAndTruthfulAnswers() throws Exception {
        Map<String, String> env = new HashMap<>(TestSystems.env("aliasrace"));
        // The subject is which answer each writer gets, not how fast: a refused claim takes several trips
        // through the directory's topics, which a loaded CI machine stretched past the default 2 s (a 503).
        env.put("CONSISTENCY_WAIT_MS", "10000");
        try (Standalone system = TestSystems.start(env)) {
            TestHttp http = new TestHttp(system.port());
            for (int round = 0; round < ROUNDS; round++) {
                String phone = "1555900" + String.format("%04d", round);
                String a = "ra" + round;
                String b = "rb" + round;
                List<TestHttp.Response> answers = race(http,
                        "{\"username\":\"%s\",\"ani\":\"+%s\",\"email\":\"%s@example.com\"}".formatted(a, phone, a),
                        "{\"username\":\"%s\",\"ani\":\"%s\",\"email\":\"%s@example.com\"}".formatted(b, phone, b));
                List<Integer> statuses = answers.stream().map(TestHttp.Response::status).toList();
                assertThat(statuses).as("round %d: %s / %s", round, answers.get(0).body(), answers.get(1).body())
                        .containsExactlyInAnyOrder(200, 409);
                int winnerIndex = statuses.indexOf(200);
                String winner = winnerIndex == 0 ? a : b;
                String loser = winnerIndex == 0 ? b : a;
                TestHttp.Response won = answers.get(winnerIndex);
                TestHttp.Response lost = answers.get(1 - winnerIndex);
                assertThat(won.json().get("username").asText()).isEqualTo(winner);
                assertThat(lost.json().get("error").asText()).contains("ani").contains(phone).contains("already belongs to another customer");
                assertThat(lost.json().get("details").get("field").asText()).isEqualTo("ani");
                assertThat(lost.header(ConsistencyToken.HEADER)).isNotBlank();

                TestHttp.Response owner = http.get("/getuserdata?ani=" + phone, ConsistencyToken.HEADER, won.header(ConsistencyToken.HEADER));
                assertThat(owner.status()).isEqualTo(200);
                assertThat(owner.json().get("username").asText()).isEqualTo(winner);
                // The loser's profile (read by its own e-mail, with its token) does not list the number.
                TestHttp.Response loserProfile = http.get("/getuserdata?email=" + loser + "@example.com",
                        ConsistencyToken.HEADER, lost.header(ConsistencyToken.HEADER));
                assertThat(loserProfile.status()).isEqualTo(200);
                assertThat(loserProfile.json().get("username").asText()).isEqualTo(loser);
                assertThat(loserProfile.json().has("ani")).as("loser %s lists %s: %s", loser, phone, loserProfile.body()).isFalse();

                // The winner releases the number: nobody holds it any more.
                TestHttp.Response released = http.postJson("/userdata",
                        "{\"username\":\"%s\",\"email\":\"%s@example.com\"}".formatted(winner, winner));
                assertThat(released.status()).isEqualTo(200);
                assertThat(http.get("/getuserdata?ani=" + phone, ConsistencyToken.HEADER, released.header(ConsistencyToken.HEADER)).status())
                        .as("round %d: lookup after the owner released it", round).isEqualTo(404);
                TestHttp.Response claimed = http.postJson("/userdata",
                        "{\"username\":\"%s\",\"ani\":\"%s\",\"email\":\"%s@example.com\"}".formatted(loser, phone, loser));
                assertThat(claimed.status()).isEqualTo(200);
                assertThat(http.get("/getuserdata?ani=" + phone, ConsistencyToken.HEADER, claimed.header(ConsistencyToken.HEADER))
                        .json().get("username").asText()).isEqualTo(loser);
            }
        }
    }

    /** Both POSTs released at the same instant. */
    private static List<TestHttp.Response> race(TestHttp http, String first, String second) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        CompletableFuture<TestHttp.Response> one = CompletableFuture.supplyAsync(() -> post(http, start, first));
        CompletableFuture<TestHttp.Response> two = CompletableFuture.supplyAsync(() -> post(http, start, second));
        return List.of(one.get(), two.get());
    }

    private static TestHttp.Response post(TestHttp http, CyclicBarrier start, String body) {
        try {
            start.await(Duration.ofSeconds(10).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return http.postJson("/userdata", body);
    }
}
