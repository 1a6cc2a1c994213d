package dev.history.gateway.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.history.common.Env;
import dev.history.gateway.GatewayConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The adapters' settings: defaults, validation, and no secret in the start-up line. */
class AdapterSettingsTest {
    @Test
    void secretsNeverAppearInTheLoggedConfig() {
        GatewayConfig config = GatewayConfig.from(Env.of(Map.of(
                "WEBEX_CC_WEBHOOK_SECRET", "s3cr3t-webhook-value", "DIRECTORY_LOOKUP_TOKEN", "hp_live_lookup-token-value",
                "DIRECTORY_LOOKUP_URL", "http://streams:8080/", "ADAPTER_UNKNOWN_CUSTOMER", "Create")));
        assertThat(config.toString()).doesNotContain("s3cr3t-webhook-value", "hp_live_lookup-token-value").contains("****");
        assertThat(config.adapters().unknownCustomer()).isEqualTo(AdapterSettings.UnknownCustomer.CREATE);
        assertThat(config.adapters().lookupUrl()).hasToString("http://streams:8080");
    }

    @Test
    void defaultsRejectUnknownCustomersAndRefuseUnsignedWebhooks() {
        AdapterSettings settings = AdapterSettings.from(Env.of(Map.of()));
        assertThat(settings.unknownCustomer()).isEqualTo(AdapterSettings.UnknownCustomer.REJECT);
        assertThat(settings.webexSecret()).isNull();
        assertThat(settings.lookupUrl()).isNull();
        assertThat(settings.mapping().rule("any.type")).isPresent();
        assertThatThrownBy(() -> AdapterSettings.from(Env.of(Map.of("ADAPTER_UNKNOWN_CUSTOMER", "ignore"))))
                .hasMessageContaining("ADAPTER_UNKNOWN_CUSTOMER");
    }
}
