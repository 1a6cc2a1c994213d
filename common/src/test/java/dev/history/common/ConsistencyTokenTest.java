package dev.history.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.history.common.http.ApiError;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsistencyTokenTest {
    @Test
    void roundTripsAndMergesByHighestOffset() {
        ConsistencyToken a = ConsistencyToken.of("history-events", 3, 10).merge(ConsistencyToken.of("history-events", 1, 7));
        ConsistencyToken b = a.merge(ConsistencyToken.of("history-events", 3, 4)).merge(ConsistencyToken.of("customer-profiles", 0, 2));
        assertEquals("customer-profiles:0:2,history-events:1:7,history-events:3:10", b.encode());
        assertEquals(b, ConsistencyToken.parse(b.encode(), "Consistency-Token"));
        assertEquals(Map.of(1, 7L, 3, 10L), b.forTopic("history-events"));
        assertNull(ConsistencyToken.parse("  ", "Consistency-Token"));
    }

    @Test
    void rejectsAnythingElseWith400NamingTheField() {
        for (String bad : new String[] {"x", "t:1", "t:-1:2", "t:1:2,", ",t:1:2", "t:1:2:3", "t/x:1:2", "t:1:99999999999999999999",
                "t:1:2;u:1:2", "t:1:2,".repeat(300), "a".repeat(5000)}) {
            ApiError e = assertThrows(ApiError.class, () -> ConsistencyToken.parse(bad, "Consistency-Token"), bad);
            assertEquals(400, e.status());
            assertEquals("Consistency-Token", e.details().get("field"));
        }
    }
}
