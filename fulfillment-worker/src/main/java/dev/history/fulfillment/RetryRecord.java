package dev.history.fulfillment;

/**
 * A scheduled attempt, the value on the retries topic (key = request id): attempt {@code attempt} of
 * {@code request}, not to start before {@code notBefore} (epoch millis). {@code origin} points at the
 * request's record on the requests topic, for dead-letter headers. {@code redrive} is null on the
 * original attempt chain and set on every record of a chain started by {@code ops redrive} (see
 * {@link Redrive}); its attempt 1 is the redrive record itself.
 */
public record RetryRecord(FulfillmentRequest request, int attempt, long notBefore, Origin origin, Redrive redrive) {

    public RetryRecord(FulfillmentRequest request, int attempt, long notBefore, Origin origin) {
        this(request, attempt, notBefore, origin, null);
    }

    /** Where a request first entered the worker. */
    public record Origin(String topic, int partition, long offset) {}
}
