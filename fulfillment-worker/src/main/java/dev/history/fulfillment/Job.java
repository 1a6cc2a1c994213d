package dev.history.fulfillment;

import org.apache.kafka.common.TopicPartition;

/**
 * One attempt to run, read from the requests or retries topic at {@code source}/{@code offset}.
 *
 * @param notBefore epoch millis; 0 = now
 * @param redrive null on the original attempt chain; the redriven chain otherwise (see {@link Redrive})
 */
record Job(FulfillmentRequest request, int attempt, long notBefore, RetryRecord.Origin origin,
           TopicPartition source, long offset, Redrive redrive) {

    Job(FulfillmentRequest request, int attempt, long notBefore, RetryRecord.Origin origin,
        TopicPartition source, long offset) {
        this(request, attempt, notBefore, origin, source, offset, null);
    }

    String id() {
        return request.id();
    }

    /** The attempt chain: 0 for the original one, n after the n-th redrive. */
    int generation() {
        return redrive == null ? 0 : redrive.generation();
    }

    /** The first attempt of a redriven chain, i.e. the record {@code ops redrive} wrote. */
    boolean redriveStart() {
        return redrive != null && attempt == 1;
    }
}
