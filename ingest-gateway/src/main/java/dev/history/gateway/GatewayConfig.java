package dev.history.gateway;

import dev.history.common.Env;
import dev.history.common.KafkaSettings;
import dev.history.common.http.HttpSettings;

/**
 * Everything the ingest gateway reads from the environment.
 *
 * @param maxEventBytes largest single-event body ({@code MAX_EVENT_BYTES}, default 64 KiB)
 * @param batchMaxItems most events in one {@code POST /history/batch} ({@code BATCH_MAX_ITEMS}, default 1000)
 */
public record GatewayConfig(
        HttpSettings http, KafkaSettings kafka, SourceRegistry sources, int maxEventBytes, int batchMaxItems) {

    public static GatewayConfig from(Env env) {
        return new GatewayConfig(
                HttpSettings.from(env),
                KafkaSettings.from(env),
                SourceRegistry.from(env),
                env.getInt("MAX_EVENT_BYTES", 64 * 1024),
                env.getInt("BATCH_MAX_ITEMS", 1000));
    }
}
