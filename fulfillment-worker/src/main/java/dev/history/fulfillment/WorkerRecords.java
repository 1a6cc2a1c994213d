package dev.history.fulfillment;

import dev.history.common.Json;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a record of the worker's input topics into a {@link Job}, strictly: anything that is not a
 * complete request or retry record (not JSON, JSON of another shape, null key or value, missing fields) throws, and the worker dead-letters it instead of stopping on it.
 */
final class WorkerRecords {
    private WorkerRecords() {}

    static Job parse(ConsumerRecord<String, byte[]> record, FulfillmentTopics topics) {
        return parse(record, topics, new FulfillmentSealing(dev.history.common.privacy.Privacy.disabled()));
    }

    /** As above, opening the sealed request (throws when its customer was forgotten: it is dead-lettered, still sealed). */
    static Job parse(ConsumerRecord<String, byte[]> record, FulfillmentTopics topics, FulfillmentSealing sealing) {
        if (record.value() == null) throw new IllegalArgumentException("null value");
        if (record.key() == null) throw new IllegalArgumentException("null key");
        TopicPartition source = new TopicPartition(record.topic(), record.partition());
        if (record.topic().equals(topics.retries())) {
            RetryRecord r = Json.read(record.value(), RetryRecord.class);
            if (r == null) throw new IllegalArgumentException("not a retry record");
            check(r.request(), record.key());
            if (r.attempt() < 1) throw new IllegalArgumentException("retry record without attempt");
            return new Job(sealing.open(r.request()), r.attempt(), r.notBefore(), r.origin() == null
                    ? new RetryRecord.Origin(record.topic(), record.partition(), record.offset()) : r.origin(),
                    source, record.offset(), r.redrive());
        }
        FulfillmentRequest r = Json.read(record.value(), FulfillmentRequest.class);
        check(r, record.key());
        return new Job(sealing.open(r), 1, 0, new RetryRecord.Origin(record.topic(), record.partition(), record.offset()),
                source, record.offset());
    }

    private static void check(FulfillmentRequest r, String key) {
        if (r == null) throw new IllegalArgumentException("not a request");
        if (blank(r.id())) throw new IllegalArgumentException("request without id");
        if (blank(r.username())) throw new IllegalArgumentException("request without username");
        if (blank(r.taskId())) throw new IllegalArgumentException("request without task");
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
