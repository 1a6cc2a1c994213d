package dev.history.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Json;
import dev.history.common.http.auth.ApiKeyFormat;
import dev.history.common.http.auth.ApiKeys;
import dev.history.common.http.auth.Principal;
import dev.history.common.http.auth.Scope;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class KeysCommandTest {

    @Test
    void createPrintsTheKeyOnceAndAnEntryTheServicesAccept() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = KeysMain.execute(new PrintWriter(out), new PrintWriter(err),
                "create", "--name", "ivr-flows", "--scopes", "history:write,history:read", "--rate-limit", "50", "--json");
        assertThat(code).as(err.toString()).isZero();
        JsonNode result = Json.MAPPER.readTree(out.toString());
        String key = result.get("key").asText();
        assertThat(key).startsWith(ApiKeyFormat.PREFIX);
        JsonNode entry = result.get("entry");
        assertThat(entry.get("hash").asText()).isEqualTo(ApiKeyFormat.hash(key));
        assertThat(entry.toString()).doesNotContain(key);

        Path file = Files.createTempFile("keys", ".json");
        Files.writeString(file, "[" + entry + "]");
        Principal principal = ApiKeys.load(file).authenticate(key);
        assertThat(principal.name()).isEqualTo("ivr-flows");
        assertThat(principal.scopes()).containsExactlyInAnyOrder(Scope.HISTORY_WRITE, Scope.HISTORY_READ);
        assertThat(principal.rateLimit().perSecond()).isEqualTo(50);
    }

    @Test
    void unknownScopesAreRefused() {
        StringWriter err = new StringWriter();
        int code = KeysMain.execute(new PrintWriter(new StringWriter()), new PrintWriter(err),
                "create", "--name", "x", "--scopes", "history:everything");
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("unknown scope 'history:everything'");
    }
}
