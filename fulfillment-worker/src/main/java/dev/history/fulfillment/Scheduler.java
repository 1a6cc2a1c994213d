package dev.history.fulfillment;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each attempt when it is due: parks not-yet-due attempts on a timer (the poll loop never sleeps, so
 * a 30-minute wait never delays another request), then hands due ones to the {@link Dispatcher}'s
 * per-host slots and the {@link WebhookClient}. Completions are only handed to {@link Completions}
 * (queued for the poll thread, which records them): nothing is written on the HTTP client's or the
 * timer's threads.
 */
final class Scheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

    /** Where finished calls go. {@code outcome} null: the work was dropped without a call. */
    interface Completions {
        void finished(Work work, RetryPolicy policy, Outcome outcome);
    }

    /** A parked attempt; {@code taken} decides once between the timer firing and a release. */
    private record Parked(Work work, AtomicBoolean taken, ScheduledFuture<?> timer) {}

    private final FulfillmentConfig config;
    private final WebhookClient webhooks;
    private final Clock clock;
    private final Predicate<Work> current;
    private final Completions completions;
    private final Dispatcher dispatcher;
    private final ScheduledThreadPoolExecutor timer;
    private final Map<Work, Parked> parked = new ConcurrentHashMap<>();
    private final Set<Work> calling = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;

    /** @param current whether a piece of work still belongs to this instance (its partition did not move) */
    Scheduler(FulfillmentConfig config, WebhookClient webhooks, Clock clock, Predicate<Work> current, Completions completions) {
        this.config = config;
        this.webhooks = webhooks;
        this.clock = clock;
        this.current = current;
        this.completions = completions;
        this.dispatcher = new Dispatcher(config.concurrency(), config.perHostConcurrency());
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "fulfillment-timer");
            t.setDaemon(true);
            return t;
        });
        this.timer.setRemoveOnCancelPolicy(true);
    }

    /** Runs the attempt now, or parks it until its {@code notBefore}. */
    void schedule(Work work) {
        long wait = work.job.notBefore() - clock.millis();
        if (wait <= 0) {
            dispatch(work);
            return;
        }
        LOG.debug("attempt {} of {} due in {} ms key={} topic={} partition={} offset={}", work.job.attempt(), work.job.id(),
                wait, work.job.id(), work.job.source().topic(), work.job.source().partition(), work.job.offset());
        AtomicBoolean taken = new AtomicBoolean();
        ScheduledFuture<?> due = timer.schedule(() -> {
            if (taken.compareAndSet(false, true)) {
                parked.remove(work);
                dispatch(work);
            }
        }, wait, TimeUnit.MILLISECONDS);
        if (!taken.get()) parked.put(work, new Parked(work, taken, due));
    }

    private void dispatch(Work work) {
        Job job = work.job;
        Task task = config.tasks().find(job.request().taskId()).orElse(null);
        if (task == null || !task.requestable()) {
            completions.finished(work, config.retry(), new Outcome(Outcome.Kind.FAIL, null, 0, clock.instant(),
                    "task " + job.request().taskId() + " is not in the catalog or not active", null));
            return;
        }
        dispatcher.submit(task.url().getHost() + ":" + task.url().getPort(), () -> {
            // Checked when the slot frees up: the partition may have moved, or we may be stopping, meanwhile.
            if (stopped || !current.test(work)) {
                completions.finished(work, task.retry(), null);
                return CompletableFuture.completedFuture(null);
            }
            calling.add(work);
            return webhooks.deliver(task, job.request(), job.attempt()).whenComplete((outcome, error) -> {
                // Queued before it stops counting as calling, so a waiting stop never misses it.
                completions.finished(work, task.retry(), outcome);
                calling.remove(work);
            });
        });
    }

    int parked() {
        return parked.size();
    }

    /** Calls started and not yet handed back. */
    int calling() {
        return calling.size();
    }

    boolean callingOn(Set<TopicPartition> partitions) {
        for (Work w : calling) if (partitions.contains(w.job.source())) return true;
        return false;
    }

    /** Takes back the parked attempts of {@code tp}; they never run here. */
    List<Work> release(TopicPartition tp) {
        List<Work> out = new ArrayList<>();
        parked.values().removeIf(p -> {
            if (!p.work().job.source().equals(tp)) return false;
            if (p.taken().compareAndSet(false, true)) {
                p.timer().cancel(false);
                out.add(p.work());
            }
            return true;
        });
        return out;
    }

    /** Starts no more calls (parked and queued attempts stay uncommitted, the next owner re-reads them). */
    void stop() {
        stopped = true;
        timer.shutdownNow();
        parked.clear();
    }

    @Override
    public void close() {
        stop();
        dispatcher.close();
    }
}
