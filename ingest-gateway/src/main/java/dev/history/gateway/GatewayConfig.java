package dev.history.gateway;

import dev.history.common.DirectoryDecision;
import dev.history.common.Env;
import dev.history.common.EventRules;
import dev.history.common.KafkaSettings;
import dev.history.common.SourceRegistry;
import dev.history.common.http.HttpSettings;
import dev.history.common.http.auth.AuthSettings;
import dev.history.gateway.adapters.AdapterSettings;

/**
 * Everything the ingest gateway reads from the environment.
 *
 * @param sources the source codes events may carry ({@code HISTORY_SOURCES}, read by {@link SourceRegistry})
 * @param maxEventBytes largest single-event body ({@code MAX_EVENT_BYTES}, default 64 KiB)
 * @param batchMaxItems most events in one {@code POST /history/batch} ({@code BATCH_MAX_ITEMS}, default 1000)
 * @param decisionsTopic where history-streams publishes its directory decisions, which {@code /userdata}
 *     writes wait for: {@code <APPLICATION_ID>-directory-decisions} (the Streams application id, default
 *     {@code history-streams})
 * @param decisionWaitMs how long a directory write waits for its decision before answering 503
 *     ({@code CONSISTENCY_WAIT_MS}, default 2000)
 * @param auth how the HTTP edge is protected (docs/SECURITY.md)
 * @param adapters the CloudEvents and Webex Contact Center adapters (docs/ADAPTERS.md)
 */
public record GatewayConfig(
        HttpSettings http, KafkaSettings kafka, SourceRegistry sources, int maxEventBytes, int batchMaxItems,
        String decisionsTopic, long decisionWaitMs, AuthSettings auth, AdapterSettings adapters) {

    public static GatewayConfig from(Env env) {
        return new GatewayConfig(
                HttpSettings.from(env),
                KafkaSettings.from(env),
                SourceRegistry.from(env),
                env.getInt("MAX_EVENT_BYTES", 64 * 1024),
                env.getInt("BATCH_MAX_ITEMS", 1000),
                DirectoryDecision.topic(env.get("APPLICATION_ID", "history-streams")),
                env.getLong("CONSISTENCY_WAIT_MS", 2000),
                AuthSettings.from(env),
                AdapterSettings.from(env));
    }

    /** What a valid event is: the shared {@link EventRules} over this gateway's source registry. */
    public EventRules rules() {
        return new EventRules(sources);
    }
}
