package dev.history.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The warm-up rule of every closed-loop phase: run the same load in windows (discarded) until the last
 * {@value #AGREEING} windows' throughputs agree within a tolerance (3 % of the largest), or until a cap;
 * only then measure. A JIT that is still compiling, a cold page cache or a broker still rolling segments
 * shows as windows that keep changing; a fixed short warm-up would measure them. Three windows, not two:
 * on 2 shared cores C2 compiles for minutes under load and throughput climbs a few per cent per window,
 * so two neighbours agree long before the end of the climb (issue 14: bench 0.49 of wrk, which ran later);
 * with 5 % over three windows a climb of 2.5 % per window still passed (bench/wrk 0.78 in one run).
 */
final class SteadyState {
    static final double TOLERANCE = 0.03;
    static final int AGREEING = 3;

    /** One warm-up window of {@code seconds}: runs the load and returns its throughput (per second). */
    interface Window {
        double run(double seconds) throws Exception;
    }

    /** What the warm-up did: seconds spent, each window's throughput, whether the last {@value #AGREEING} agreed. */
    record Warmup(double seconds, List<Double> windowRates, boolean converged, double windowSeconds, double capSeconds) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seconds", Report.round(seconds));
            m.put("windows", windowRates.size());
            m.put("window_seconds", windowSeconds);
            m.put("cap_seconds", capSeconds);
            m.put("converged", converged);
            m.put("rule", "windows until " + AGREEING + " consecutive throughputs differ by <= " + (int) (TOLERANCE * 100) + " % of the largest");
            m.put("window_rates_per_s", windowRates.stream().map(Report::round).toList());
            return m;
        }
    }

    private SteadyState() {}

    static Warmup warmUp(double windowSeconds, double capSeconds, Window window) throws Exception {
        List<Double> rates = new ArrayList<>();
        long start = System.nanoTime();
        boolean converged = false;
        while (true) {
            rates.add(window.run(windowSeconds));
            int n = rates.size();
            if (n >= AGREEING && agree(rates.subList(n - AGREEING, n))) {
                converged = true;
                break;
            }
            if ((System.nanoTime() - start) / 1e9 + windowSeconds > capSeconds) break;
        }
        return new Warmup((System.nanoTime() - start) / 1e9, rates, converged, windowSeconds, capSeconds);
    }

    static boolean agree(List<Double> rates) {
        double largest = rates.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        double smallest = rates.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        return largest > 0 && largest - smallest <= TOLERANCE * largest;
    }
}
