package dev.history.fulfillment;

/**
 * An accepted request, the value on the requests topic (key = {@link #id}). {@code id} is also the
 * {@code webhook-id} of every delivery and the seed of every child event id.
 */
public record FulfillmentRequest(
        String id,
        String taskId,
        String taskName,
        String username,
        String msisdn,
        String preferredChannel,
        String eventParent,
        String createdAt) {}
