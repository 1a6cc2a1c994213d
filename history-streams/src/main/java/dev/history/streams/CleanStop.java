package dev.history.streams;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Remembers that the Streams application stopped cleanly (its stores checkpointed), in a marker file
 * beside its state directory: present at start = clean stop, absent with state on disk = a crash.
 */
final class CleanStop {
    private CleanStop() {}

    /** True when the last stop was clean or there is no local state at all; removes the marker either way. */
    static boolean consume(Path stateDir, String applicationId) {
        try {
            boolean marked = Files.deleteIfExists(marker(stateDir, applicationId));
            return marked || !Files.isDirectory(stateDir.resolve(applicationId));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void record(Path stateDir, String applicationId) {
        try {
            Files.createDirectories(stateDir);
            Files.writeString(marker(stateDir, applicationId), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path marker(Path stateDir, String applicationId) {
        return stateDir.resolve(applicationId + ".clean-stop");
    }
}
