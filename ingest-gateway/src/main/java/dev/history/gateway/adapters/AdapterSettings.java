package dev.history.gateway.adapters;

import dev.history.common.Env;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The settings of the ecosystem adapters ({@code POST /events}, {@code POST /adapters/webex-cc}); part of
 * the gateway's config record. Secrets are masked in {@link #toString()} (the start-up log line).
 *
 * @param mappingFile how CloudEvents become history events ({@code CLOUDEVENTS_MAPPING_FILE}); null = the
 *     built-in mapping ({@link CloudEventMapping#defaults()})
 * @param unknownCustomer what an identity the directory does not know does ({@code ADAPTER_UNKNOWN_CUSTOMER}):
 *     {@code reject} (404, nothing written) or {@code create} (a profile through the directory write path)
 * @param lookupUrl base URL of a query-api (history-streams) instance whose {@code GET /getuserdata} resolves
 *     identities ({@code DIRECTORY_LOOKUP_URL}); null = standalone's own port, or unconfigured (503) in a
 *     gateway running alone
 * @param lookupToken credential sent on lookups when authentication is on ({@code DIRECTORY_LOOKUP_TOKEN}: an
 *     API key or token with {@code history:read}); null = none
 * @param lookupTimeout how long one lookup may take ({@code DIRECTORY_LOOKUP_TIMEOUT_MS}, default 2000)
 * @param webexSecret the Webex Contact Center subscription secret that signs its webhooks
 *     ({@code WEBEX_CC_WEBHOOK_SECRET}); null = the receiver refuses every notification
 * @param webexMaxSkew largest difference between a V2 notification's timestamp and this server's clock
 *     ({@code WEBEX_CC_MAX_SKEW_SECONDS}, default 0 = not checked)
 */
public record AdapterSettings(Path mappingFile, UnknownCustomer unknownCustomer, URI lookupUrl, String lookupToken,
        Duration lookupTimeout, String webexSecret, Duration webexMaxSkew) {

    /** What resolving an identity the directory does not know does. */
    public enum UnknownCustomer { REJECT, CREATE }

    public static AdapterSettings from(Env env) {
        String mapping = env.get("CLOUDEVENTS_MAPPING_FILE", null);
        String unknown = env.get("ADAPTER_UNKNOWN_CUSTOMER", "reject").toUpperCase(Locale.ROOT);
        UnknownCustomer policy;
        try {
            policy = UnknownCustomer.valueOf(unknown);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ADAPTER_UNKNOWN_CUSTOMER must be reject or create, got '" + unknown + "'");
        }
        String lookup = env.get("DIRECTORY_LOOKUP_URL", null);
        return new AdapterSettings(
                mapping == null ? null : Path.of(mapping),
                policy,
                lookup == null ? null : URI.create(lookup.endsWith("/") ? lookup.substring(0, lookup.length() - 1) : lookup),
                env.get("DIRECTORY_LOOKUP_TOKEN", null),
                Duration.ofMillis(env.getLong("DIRECTORY_LOOKUP_TIMEOUT_MS", 2000)),
                env.get("WEBEX_CC_WEBHOOK_SECRET", null),
                Duration.ofSeconds(env.getLong("WEBEX_CC_MAX_SKEW_SECONDS", 0)));
    }

    /** The CloudEvents mapping: the file's, or the built-in one. */
    public CloudEventMapping mapping() {
        return mappingFile == null ? CloudEventMapping.defaults() : CloudEventMapping.load(mappingFile);
    }

    @Override
    public String toString() {
        return "AdapterSettings[mappingFile=" + (mappingFile == null ? "built-in" : mappingFile)
                + ", unknownCustomer=" + unknownCustomer.name().toLowerCase(Locale.ROOT)
                + ", lookupUrl=" + (lookupUrl == null ? "local" : lookupUrl)
                + ", lookupToken=" + (lookupToken == null ? "none" : "****")
                + ", lookupTimeout=" + lookupTimeout
                + ", webexSecret=" + (webexSecret == null ? "unset (receiver refuses all)" : "****")
                + ", webexMaxSkew=" + webexMaxSkew + "]";
    }
}
