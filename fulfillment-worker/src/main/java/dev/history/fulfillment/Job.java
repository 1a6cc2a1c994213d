package dev.history.fulfillment;

import org.apache.kafka.common.TopicPartition;

/**
 * One attempt to run, read from the requests or retries topic at {@code source}/{@code offset}.
 *
 * @param notBefore epoch millis; 0 = now
 */
record Job(FulfillmentRequest request, int attempt, long notBefore, RetryRecord.Origin origin,
           TopicPartition source, long offset) {

    String id() {
        return request.id();
    }
}
