package dev.history.fulfillment;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Env;
import dev.history.common.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/** The task catalog (FULFILLMENT_TASKS_FILE): any JSON is a catalog or an IllegalArgumentException naming the entry. */
class TaskCatalogFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void catalogs(FuzzedDataProvider data) {
        byte[] file = data.consumeRemainingAsBytes();
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(file);
        } catch (IOException notJson) {
            return; // TaskCatalog.load reports this as "cannot be read as JSON"
        }
        try {
            TaskCatalog.parse(root, CatalogAndRulesTest.POLICY, Duration.ofSeconds(10), Env.of(Map.of()));
        } catch (IllegalArgumentException expected) {
            // refused at start
        }
    }
}
