package dev.history.fulfillment;

/**
 * A scheduled attempt, the value on the retries topic (key = request id): attempt {@code attempt} of
 * {@code request}, not to start before {@code notBefore} (epoch millis). {@code origin} points at the
 * request's record on the requests topic, for dead-letter headers.
 */
public record RetryRecord(FulfillmentRequest request, int attempt, long notBefore, Origin origin) {

    /** Where a request first entered the worker. */
    public record Origin(String topic, int partition, long offset) {}
}
