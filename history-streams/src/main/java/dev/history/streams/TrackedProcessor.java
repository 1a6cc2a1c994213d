package dev.history.streams;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import dev.history.query.ProcessedOffsets;

/**
 * A processor whose progress {@link ProcessedOffsets} tracks (readiness and read-your-writes): the task's
 * start and end, and every record it dealt with — applied, duplicate or poison alike, since the
 * {@code finally} reports a record that {@link #apply} rejected too.
 */
abstract class TrackedProcessor<KIn, VIn, KOut, VOut> implements Processor<KIn, VIn, KOut, VOut> {
    private final ProcessedOffsets progress;
    protected ProcessorContext<KOut, VOut> context;

    TrackedProcessor(ProcessedOffsets progress) {
        this.progress = progress;
    }

    @Override
    public final void init(ProcessorContext<KOut, VOut> context) {
        this.context = context;
        open(context);
        progress.started(context.taskId());
    }

    /** Opens the stores; runs before the task is reported started. */
    protected abstract void open(ProcessorContext<KOut, VOut> context);

    @Override
    public void close() {
        if (context != null) progress.closed(context.taskId());
    }

    @Override
    public final void process(Record<KIn, VIn> record) {
        try {
            apply(record);
        } finally {
            progress.processed(context);
        }
    }

    /** @throws PoisonRecordException for a record that can never be applied (dead-lettered by the handler) */
    protected abstract void apply(Record<KIn, VIn> record);
}
