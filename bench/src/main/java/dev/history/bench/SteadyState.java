package dev.history.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The warm-up rule of every closed-loop phase: run the same load in windows (discarded) until two
 * consecutive windows' throughputs agree within a tolerance (5 %), or until a cap; only then measure.
 * A JIT that is still compiling, a cold page cache or a broker still rolling segments shows as windows
 * that keep changing; a fixed short warm-up would measure them.
 */
final class SteadyState {
    static final double TOLERANCE = 0.05;

    /** One warm-up window of {@code seconds}: runs the load and returns its throughput (per second). */
    interface Window {
        double run(double seconds) throws Exception;
    }

    /** What the warm-up did: seconds spent, each window's throughput, whether two consecutive ones agreed. */
    record Warmup(double seconds, List<Double> windowRates, boolean converged, double windowSeconds, double capSeconds) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seconds", Report.round(seconds));
            m.put("windows", windowRates.size());
            m.put("window_seconds", windowSeconds);
            m.put("cap_seconds", capSeconds);
            m.put("converged", converged);
            m.put("rule", "windows until two consecutive throughputs differ by <= " + (int) (TOLERANCE * 100) + " % of the larger");
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
            if (n >= 2 && agree(rates.get(n - 2), rates.get(n - 1))) {
                converged = true;
                break;
            }
            if ((System.nanoTime() - start) / 1e9 + windowSeconds > capSeconds) break;
        }
        return new Warmup((System.nanoTime() - start) / 1e9, rates, converged, windowSeconds, capSeconds);
    }

    static boolean agree(double a, double b) {
        double larger = Math.max(a, b);
        return larger > 0 && Math.abs(a - b) <= TOLERANCE * larger;
    }
}
