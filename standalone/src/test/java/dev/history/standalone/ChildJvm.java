package dev.history.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A service in its own JVM, so a test can kill it the hard way (SIGKILL: no shutdown hooks, no commits). */
final class ChildJvm implements AutoCloseable {
    private final Process process;

    private ChildJvm(Process process) {
        this.process = process;
    }

    static ChildJvm start(String mainClass, Map<String, String> env, Path log) {
        return start(mainClass, env, log, "-Xmx384m");
    }

    /** @param heap the {@code -Xmx…} option (a whole standalone system with its broker needs more than one service) */
    static ChildJvm start(String mainClass, Map<String, String> env, Path log, String heap) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, heap, "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), mainClass)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        try {
            return new ChildJvm(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** kill -9. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill();
    }
}
