package dev.history.gateway.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.Json;
import dev.history.common.SourceRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CloudEvents mapping: a rule per type, the default rule, templates, and refusal of a bad file at start. */
class CloudEventMappingTest {
    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void eachTypeHasItsRuleAndOthersTakeTheDefault() {
        CloudEventMapping mapping = CloudEventMapping.parse(json("""
                {"types": {"order.shipped": {"source": "WEB", "note": "Order {data.order.id} ({data.items.1}) for {identity}",
                                             "link": "https://shop/{data.order.id}"}},
                 "default": {"source": "bot", "channel": "voice"}}"""), "test").checkedAgainst(SourceRegistry.defaults());

        CloudEventMapping.Rule shipped = mapping.rule("order.shipped").orElseThrow();
        assertThat(shipped.source()).isEqualTo("web");
        JsonNode data = json("{\"order\":{\"id\":\"A-1\"},\"items\":[\"x\",\"y\"]}");
        assertThat(shipped.note().render(Map.of("identity", "ann@example.com")::get, data, null)).isEqualTo("Order A-1 (y) for ann@example.com");
        assertThat(shipped.link().render(Map.<String, String>of()::get, data, null)).isEqualTo("https://shop/A-1");
        assertThat(shipped.note().render(Map.<String, String>of()::get, null, null)).isEqualTo("Order  () for");

        CloudEventMapping.Rule other = mapping.rule("anything.else").orElseThrow();
        assertThat(other.source()).isEqualTo("bot");
        assertThat(other.channel()).isEqualTo("voice");
        assertThat(other.note().render(Map.of("type", "anything.else")::get, null, null)).isEqualTo("anything.else");
    }

    @Test
    void withoutADefaultAnUnmappedTypeHasNoRule() {
        CloudEventMapping mapping = CloudEventMapping.parse(json("{\"types\": {\"a\": {\"source\": \"web\"}}}"), "test");
        assertThat(mapping.rule("b")).isEmpty();
        assertThat(CloudEventMapping.defaults().rule("b").orElseThrow().source()).isEqualTo("web");
    }

    @Test
    void aBadMappingIsRefusedAtStartNamingWhatIsWrong() {
        assertThatThrownBy(() -> CloudEventMapping.parse(json("{\"types\": {\"a\": {\"source\": \"fax\"}}}"), "m.json")
                .checkedAgainst(SourceRegistry.defaults())).hasMessageContaining("types.a").hasMessageContaining("fax");
        assertThatThrownBy(() -> CloudEventMapping.parse(json("{\"types\": {\"a\": {\"source\": \"web\", \"note\": \"{secret}\"}}}"), "m.json"))
                .hasMessageContaining("m.json types.a").hasMessageContaining("{secret}");
        assertThatThrownBy(() -> CloudEventMapping.parse(json("{\"types\": {\"a\": {\"note\": \"x\"}}}"), "m.json"))
                .hasMessageContaining("source is required");
        assertThatThrownBy(() -> CloudEventMapping.parse(json("[]"), "m.json")).hasMessageContaining("JSON object");
    }
}
