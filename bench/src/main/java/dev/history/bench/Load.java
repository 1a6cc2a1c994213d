package dev.history.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Closed-loop (N connections, each sends its next request when the previous answer arrived) and
 * open-loop (requests released at a fixed rate; latency measured from the intended send time, so a
 * stalled server shows up as latency instead of silently lowering the rate: no coordinated omission).
 */
final class Load {
    /** One request: returns the number of "units" it carried (events), or throws / returns -1 on failure. */
    interface Call {
        int call(Http1 connection, long sequence) throws Exception;
    }

    record Result(long requests, long units, long errors, double seconds, Histogram latencyNanos,
                  double generatorCores, double systemCores, double otherCores) {
        double requestsPerSecond() {
            return requests / seconds;
        }

        double unitsPerSecond() {
            return units / seconds;
        }

        double ms(double percentile) {
            return latencyNanos.getTotalCount() == 0 ? Double.NaN : latencyNanos.getValueAtPercentile(percentile) / 1e6;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("requests", requests);
            m.put("units", units);
            m.put("errors", errors);
            m.put("seconds", Report.round(seconds));
            m.put("requests_per_s", Report.round(requestsPerSecond()));
            m.put("units_per_s", Report.round(unitsPerSecond()));
            m.put("p50_ms", Report.round(ms(50)));
            m.put("p99_ms", Report.round(ms(99)));
            m.put("p999_ms", Report.round(ms(99.9)));
            m.put("max_ms", Report.round(latencyNanos.getTotalCount() == 0 ? Double.NaN : latencyNanos.getMaxValue() / 1e6));
            m.put("generator_cores", Report.round(generatorCores));
            m.put("system_cores", Report.round(systemCores));
            m.put("other_cores", Report.round(otherCores));
            return m;
        }
    }

    private final String host;
    private final int port;
    private final Cpu cpu;

    Load(String host, int port, Cpu cpu) {
        this.host = host;
        this.port = port;
        this.cpu = cpu;
    }

    /**
     * A closed loop measured after {@link SteadyState} warm-up windows (same connections, same calls, discarded);
     * every connection loops until the window ends.
     */
    record Steady(SteadyState.Warmup warmup, Result result) {}

    Steady closedSteady(int connections, double windowSeconds, double capSeconds, double seconds, Call call) throws Exception {
        SteadyState.Warmup warmup = SteadyState.warmUp(windowSeconds, capSeconds,
                s -> closedRun(connections, s, call).requestsPerSecond());
        return new Steady(warmup, closedRun(connections, seconds, call));
    }

    Result closedRun(int connections, double seconds, Call call) throws InterruptedException {
        Recorder recorder = new Recorder(3);
        AtomicLong requests = new AtomicLong();
        AtomicLong units = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong sequence = new AtomicLong();
        Cpu.Mark mark = cpu.mark();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Thread t = new Thread(() -> {
                try (Http1 connection = new Http1(host, port)) {
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        int n;
                        try {
                            n = call.call(connection, sequence.getAndIncrement());
                        } catch (Exception e) {
                            n = -1;
                        }
                        long t1 = System.nanoTime();
                        if (n < 0) {
                            errors.incrementAndGet();
                        } else {
                            recorder.recordValue(t1 - t0);
                            requests.incrementAndGet();
                            units.addAndGet(n);
                        }
                    }
                }
            }, "closed-" + c);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join();
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Result(requests.get(), units.get(), errors.get(), elapsed, recorder.getIntervalHistogram(),
                mark.generatorCores(), mark.systemCores(), mark.otherCores());
    }

    /**
     * Releases requests at {@code rate}/s for {@code seconds}; {@code connections} workers take them in
     * order. Latency = answer time − intended send time (queueing in the generator counts, as it would
     * for a real client that cannot wait).
     */
    Result open(double rate, int connections, double seconds, Call call) throws InterruptedException {
        long total = (long) (rate * seconds);
        BlockingQueue<Long> due = new ArrayBlockingQueue<>((int) Math.min(Integer.MAX_VALUE, total + connections + 1));
        Recorder recorder = new Recorder(3);
        AtomicLong requests = new AtomicLong();
        AtomicLong units = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong sequence = new AtomicLong();
        long periodNanos = (long) (1e9 / rate);
        Cpu.Mark mark = cpu.mark();
        long start = System.nanoTime() + 10_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Thread t = new Thread(() -> {
                try (Http1 connection = new Http1(host, port)) {
                    while (true) {
                        Long intended = due.poll(100, TimeUnit.MILLISECONDS);
                        if (intended == null) {
                            if (sequence.get() >= total) return;
                            continue;
                        }
                        if (intended < 0) return;
                        int n;
                        try {
                            n = call.call(connection, sequence.getAndIncrement());
                        } catch (Exception e) {
                            n = -1;
                        }
                        long done = System.nanoTime();
                        if (n < 0) {
                            errors.incrementAndGet();
                        } else {
                            recorder.recordValue(Math.max(0, done - intended));
                            requests.incrementAndGet();
                            units.addAndGet(n);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "open-" + c);
            threads.add(t);
            t.start();
        }
        for (long i = 0; i < total; i++) {
            long intended = start + i * periodNanos;
            long wait = intended - System.nanoTime();
            if (wait > 0) LockSupport.parkNanos(wait);
            due.add(intended);
        }
        for (int c = 0; c < connections; c++) due.add(-1L);
        for (Thread t : threads) t.join();
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Result(requests.get(), units.get(), errors.get(), elapsed, recorder.getIntervalHistogram(),
                mark.generatorCores(), mark.systemCores(), mark.otherCores());
    }
}
