package dev.history.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU used by the load generator (this JVM: {@code OperatingSystemMXBean#getProcessCpuTime}) and by the
 * system under test ({@code utime + stime} from {@code /proc/<pid>/stat}), as cores = CPU time / wall time.
 */
final class Cpu {
    private static final double CLOCK_TICKS_PER_SECOND = 100.0; // USER_HZ on Linux
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private volatile long systemPid = -1;
    /** Other processes of the system under test while they run (the gateway-only phase's gateway). */
    private final java.util.Set<Long> extraPids = java.util.concurrent.ConcurrentHashMap.newKeySet();

    void systemPid(long pid) {
        this.systemPid = pid;
    }

    /** Counts {@code pid} as part of the system (sys cores) until {@link #removeSystemPid}; add and remove outside any Mark. */
    void addSystemPid(long pid) {
        extraPids.add(pid);
    }

    void removeSystemPid(long pid) {
        extraPids.remove(pid);
    }

    long benchCpuNanos() {
        return os.getProcessCpuTime();
    }

    long systemCpuNanos() {
        long sum = systemPid < 0 ? 0 : processCpuNanos(systemPid);
        for (long pid : extraPids) sum += processCpuNanos(pid);
        return sum;
    }

    /** CPU time ({@code utime + stime}) of a process of this machine, 0 once it is gone. */
    static long processCpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields after the command: state(3) ... utime(14) stime(15) -> index 11, 12 here
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return (long) (ticks / CLOCK_TICKS_PER_SECOND * 1e9);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** CPU time of the whole machine (all processes), from the first line of {@code /proc/stat}. */
    long machineCpuNanos() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i <= 8 && i < f.length; i++) {
                if (i != 4 && i != 5) busy += Long.parseLong(f[i]); // all but idle and iowait
            }
            return (long) (busy / CLOCK_TICKS_PER_SECOND * 1e9);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    Mark mark() {
        return new Mark(System.nanoTime(), benchCpuNanos(), systemCpuNanos(), machineCpuNanos());
    }

    final class Mark {
        final long wall;
        final long bench;
        final long system;
        final long machine;

        Mark(long wall, long bench, long system, long machine) {
            this.wall = wall;
            this.bench = bench;
            this.system = system;
            this.machine = machine;
        }

        /** Cores used by everything else on the machine (other engineers' builds...): contamination. */
        double otherCores() {
            long wallNow = System.nanoTime();
            double all = (machineCpuNanos() - machine) / (double) Math.max(1, wallNow - wall);
            return Math.max(0, all - generatorCores() - systemCores());
        }

        double generatorCores() {
            return (benchCpuNanos() - bench) / (double) Math.max(1, System.nanoTime() - wall);
        }

        double systemCores() {
            return (systemCpuNanos() - system) / (double) Math.max(1, System.nanoTime() - wall);
        }
    }
}
