package dev.history.fulfillment;

import dev.history.common.ConsistencyToken;
import dev.history.common.EventRules;
import dev.history.common.Ids;
import dev.history.common.http.ApiError;
import dev.history.common.http.Fields;
import dev.history.common.http.RequestBodies;
import dev.history.common.http.Responses;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The HTTP side of fulfillment, to plug into {@code HttpApp.create(...)}:
 * {@code GET /fulfillment/tasks} (the active buttons), {@code POST /fulfillment} (JSON or form; 202 once
 * durable) and {@code GET /fulfillment/{id}} (state and attempts). Handlers only parse, validate and map.
 */
public final class FulfillmentRoutes implements Consumer<JavalinConfig> {
    private static final int MAX_FIELD = 1024;

    private final FulfillmentService service;

    public FulfillmentRoutes(FulfillmentService service) {
        this.service = service;
    }

    @Override
    public void accept(JavalinConfig config) {
        // Registered before /fulfillment/{id} so "tasks" is never taken for an id.
        config.routes.get("/fulfillment/tasks", this::tasks);
        config.routes.post("/fulfillment", this::request);
        config.routes.get("/fulfillment/{id}", this::status);
    }

    private void tasks(Context ctx) {
        List<Map<String, Object>> body = service.tasks().active().stream().map(t -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", t.id());
            m.put("name", t.name());
            m.put("url", "/fulfillment?task=" + URLEncoder.encode(t.id(), StandardCharsets.UTF_8));
            m.put("active", true);
            return m;
        }).toList();
        Responses.json(ctx, 200, body);
    }

    private void request(Context ctx) {
        Fields fields = RequestBodies.fields(ctx, 16 * 1024);
        // The customer is checked by the history event rules (the gateway's), as its child events will be.
        EventRules.Result customer = service.checkUsername(fields.text("username"));
        if (!customer.valid()) throw refused(customer.errors());
        String username = customer.username();
        // The task may also come in the query string: the task list hands widgets "/fulfillment?task=<id>"
        // as each button's url, so a widget that posts the webhook body to that url works unchanged.
        String taskRef = text(fields, "task") != null ? text(fields, "task") : ctx.queryParam("task");
        if (taskRef == null || taskRef.isBlank()) throw ApiError.badField("task", "task (name or id) is required");
        Task task = service.tasks().find(taskRef)
                .orElseThrow(() -> new ApiError(404, "unknown task '" + taskRef + "'", Map.of("field", "task")));
        if (!task.requestable()) {
            throw new ApiError(422, "task '" + task.name() + "' is not active", Map.of("field", "task"));
        }
        String clientKey = text(fields, "id");
        String header = ctx.header("Idempotency-Key");
        if (clientKey == null || clientKey.isBlank()) clientKey = header == null || header.isBlank() ? null : header.trim();
        if (clientKey != null && !Ids.isValidClientId(clientKey)) {
            throw ApiError.badField("id", "id / Idempotency-Key must be 1-128 characters of A-Z a-z 0-9 . _ : @ -");
        }
        // A client key is scoped to the customer, so two customers' keys never collide.
        String id = clientKey == null ? Ids.next() : Ids.stable("fulfillment", username, clientKey);
        FulfillmentRequest request = new FulfillmentRequest(id, task.id(), task.name(), username,
                trimmed(text(fields, "msisdn")), trimmed(text(fields, "preferredChannel")),
                trimmed(fields.text("eventParent")), service.now());
        List<EventRules.FieldError> refusals = service.refusals(request);
        if (!refusals.isEmpty()) throw refused(refusals);
        CompletableFuture<Void> answered = service.submit(request).handle((accepted, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                if (cause instanceof FulfillmentService.Conflict) {
                    Responses.error(ctx, 409, cause.getMessage(), Map.of("field", "id"));
                } else {
                    Responses.error(ctx, ApiError.unavailable("request could not be stored, try again", 1));
                }
            } else {
                if (accepted.repeated()) ctx.header("Idempotent-Replayed", "true");
                // Where the acceptance is durable; the body stays exactly {"id"}.
                if (accepted.token() != null && !accepted.token().isEmpty()) {
                    ctx.header(ConsistencyToken.HEADER, accepted.token().encode());
                }
                Responses.json(ctx, 202, Map.of("id", accepted.id()));
            }
            return null;
        });
        ctx.future(() -> answered);
    }

    private void status(Context ctx) {
        String id = ctx.pathParam("id");
        FulfillmentStatus status = service.status(id)
                .orElseThrow(() -> new ApiError(404, "no fulfillment request " + id, Map.of("id", id)));
        Responses.json(ctx, 200, status);
    }

    private static String text(Fields fields, String name) {
        String value = fields.text(name);
        if (value != null && value.length() > MAX_FIELD) {
            throw ApiError.badField(name, name + " is longer than " + MAX_FIELD + " characters");
        }
        return value;
    }

    /** The first field error, as the gateway answers it: 400 {@code {"error", "details": {"field"}}}. */
    private static ApiError refused(List<EventRules.FieldError> errors) {
        return ApiError.badField(errors.get(0).field(), errors.get(0).message());
    }

    private static String trimmed(String s) {
        return s == null ? "" : s.trim();
    }
}
