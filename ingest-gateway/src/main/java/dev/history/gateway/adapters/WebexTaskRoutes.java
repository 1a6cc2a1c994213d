package dev.history.gateway.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.history.common.ConsistencyToken;
import dev.history.common.HistoryCommand;
import dev.history.common.http.ApiError;
import dev.history.common.http.RequestBodies;
import dev.history.common.http.Responses;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /adapters/webex-cc}: Webex Contact Center task notifications → the interaction's timeline
 * ({@link TaskTimeline}). Authenticated by the platform's signature ({@link WebexSignature}), not by an API key:
 * an unsigned or wrongly signed request is a 401 and writes nothing. The customer is the task's origin (phone,
 * e-mail or messenger id), resolved through the directory ({@link CustomerResolver}).
 */
final class WebexTaskRoutes implements Consumer<JavalinConfig> {
    static final String PATH = "/adapters/webex-cc";
    private static final Logger LOG = LoggerFactory.getLogger(WebexTaskRoutes.class);

    private final WebexSignature signature;
    private final CustomerResolver customers;
    private final TimelineWriter timeline;
    private final int maxBytes;

    WebexTaskRoutes(WebexSignature signature, CustomerResolver customers, TimelineWriter timeline, int maxBytes) {
        this.signature = signature;
        this.customers = customers;
        this.timeline = timeline;
        this.maxBytes = maxBytes;
    }

    @Override
    public void accept(JavalinConfig javalin) {
        javalin.routes.post(PATH, this::receive);
    }

    private void receive(Context ctx) {
        RequestBodies.kind(ctx, false);
        byte[] body = RequestBodies.bytes(ctx, maxBytes);
        String timestamp = ctx.header(WebexSignature.TIMESTAMP);
        signature.verify(ctx.header(WebexSignature.SIGNATURE), timestamp, body);
        JsonNode json = RequestBodies.jsonObject(body);
        if (timestamp != null && json.has("comciscotimestamp") && !timestamp.trim().equals(json.get("comciscotimestamp").asText())) {
            throw WebexSignature.refused(WebexSignature.TIMESTAMP, WebexSignature.TIMESTAMP + " does not match the body's comciscotimestamp");
        }
        TaskNotification notification = TaskNotification.parse(json);
        List<Map<String, String>> events = TaskTimeline.events(notification);
        if (events.isEmpty()) {
            LOG.debug("webex-cc notification id={} type={} ignored", notification.id(), notification.type());
            Responses.json(ctx, 200, Map.of("ids", List.of()));
            return;
        }
        if (notification.origin() == null) throw ApiError.badField("data.origin", "data.origin (the customer's number or address) is required");
        events.forEach(timeline::precheck);
        ctx.future(() -> customers.username(IdentityKind.ofOrigin(notification.origin()), notification.origin(), null, "data.origin")
                .thenCompose(username -> {
                    List<HistoryCommand> commands = events.stream().map(e -> timeline.command(username, e, TaskTimeline.ORIGIN)).toList();
                    LOG.info("webex-cc notification id={} type={} task={} key={}: {} events", notification.id(), notification.type(),
                            notification.taskId(), username, commands.size());
                    return timeline.write(commands).thenApply(token -> Map.entry(token, commands));
                })
                .handle((written, error) -> {
                    if (error != null) {
                        Responses.error(ctx, CloudEventsRoutes.apiError(error));
                    } else {
                        ctx.header(ConsistencyToken.HEADER, written.getKey().encode());
                        Responses.json(ctx, 200, Map.of("ids", written.getValue().stream().map(c -> c.event().id()).toList()));
                    }
                    return null;
                }));
    }
}
