package dev.history.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * A service instance's stable name: the configured one, or an id created once and kept in the instance's
 * state directory. Stable across restarts on purpose: it is the instance's static group membership
 * ({@code group.instance.id}) and the base of its {@code transactional.id}s, so a restarted instance takes
 * its partitions back at once and aborts whatever its predecessor left open, instead of waiting for the
 * dead member's session (45 s) or transaction (minutes) to time out. Distinct per state directory on
 * purpose: two live instances sharing one id would fence each other.
 */
public final class InstanceIds {
    private InstanceIds() {}

    /** {@code configured} when given, else the id kept in {@code stateDir/instance-id} (created on first use). */
    public static String resolve(String configured, Path stateDir) {
        if (configured != null && !configured.isBlank()) return configured.trim();
        Path file = stateDir.resolve("instance-id");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!id.isEmpty()) return id;
            }
            Files.createDirectories(stateDir);
            String id = UUID.randomUUID().toString();
            Path tmp = Files.createTempFile(stateDir, "instance-id", ".tmp");
            Files.writeString(tmp, id, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("state directory " + stateDir + ": " + e.getMessage(), e);
        }
    }
}
