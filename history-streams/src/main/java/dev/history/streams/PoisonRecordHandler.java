package dev.history.streams;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Poison records never stop a partition: a record that cannot be deserialised or applied is logged
 * with its origin, counted, written to the dead-letter topic ({@code errors.dead.letter.queue.topic.name},
 * KIP-1034; inside the task's transaction under exactly-once) with the original key and value and the
 * standard {@code __streams.errors.*} headers (exception, message, stack trace, topic, partition,
 * offset), and processing continues with the next record.
 *
 * <p>Kafka Streams instantiates this class from the config; the counter is handed over through the
 * config map under {@link #COUNTER_CONFIG} (a {@link AtomicLong}) so the service can export it as a metric.
 */
public final class PoisonRecordHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {
    public static final String COUNTER_CONFIG = "history.poison.records.counter";
    public static final String HEADER_EXCEPTION = "__streams.errors.exception";
    public static final String HEADER_MESSAGE = "__streams.errors.message";
    public static final String HEADER_STACKTRACE = "__streams.errors.stacktrace";
    public static final String HEADER_TOPIC = "__streams.errors.topic";
    public static final String HEADER_PARTITION = "__streams.errors.partition";
    public static final String HEADER_OFFSET = "__streams.errors.offset";
    private static final Logger LOG = LoggerFactory.getLogger(PoisonRecordHandler.class);
    private static final AtomicLong UNSHARED = new AtomicLong();

    private String deadLetterTopic;
    private AtomicLong counter = UNSHARED;

    @Override
    public void configure(Map<String, ?> configs) {
        Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        deadLetterTopic = topic == null || topic.toString().isBlank() ? null : topic.toString();
        if (configs.get(COUNTER_CONFIG) instanceof AtomicLong shared) counter = shared;
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(
            ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        return DeserializationExceptionHandler.Response.resume(
                deadLetter(context, record.key(), record.value(), exception, "unreadable"));
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(
            ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        return ProcessingExceptionHandler.Response.resume(
                deadLetter(context, context.sourceRawKey(), context.sourceRawValue(), exception, "not applicable"));
    }

    private List<ProducerRecord<byte[], byte[]>> deadLetter(
            ErrorHandlerContext context, byte[] key, byte[] value, Exception exception, String what) {
        long count = counter.incrementAndGet();
        LOG.warn("poison record ({}) topic={} partition={} offset={} processor={} sent to {} (poison records so far: {}): {}",
                what, context.topic(), context.partition(), context.offset(), context.processorNodeId(),
                deadLetterTopic == null ? "(no dead-letter topic: dropped)" : deadLetterTopic, count, exception.toString());
        if (deadLetterTopic == null) return List.of();
        Headers headers = new RecordHeaders();
        context.headers().forEach(headers::add);
        headers.add(HEADER_EXCEPTION, bytes(exception.getClass().getName()));
        headers.add(HEADER_MESSAGE, bytes(String.valueOf(exception.getMessage())));
        headers.add(HEADER_STACKTRACE, bytes(stackTrace(exception)));
        headers.add(HEADER_TOPIC, bytes(context.topic()));
        headers.add(HEADER_PARTITION, bytes(Integer.toString(context.partition())));
        headers.add(HEADER_OFFSET, bytes(Long.toString(context.offset())));
        return List.of(new ProducerRecord<>(deadLetterTopic, null, null, key, value, headers));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String stackTrace(Exception exception) {
        StringWriter out = new StringWriter();
        exception.printStackTrace(new PrintWriter(out));
        String trace = out.toString();
        return trace.length() > 8000 ? trace.substring(0, 8000) : trace;
    }
}
