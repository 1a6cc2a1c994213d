package dev.history.fulfillment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * This instance's stable name, the base of its {@code transactional.id}s: {@code FULFILLMENT_INSTANCE_ID},
 * or an id created once and kept in the state directory. Stable across restarts on purpose: a restarted
 * instance's {@code initTransactions()} then aborts at once whatever its predecessor left open (otherwise
 * read_committed readers of those partitions wait up to {@code FULFILLMENT_TRANSACTION_TIMEOUT_MS});
 * distinct per instance on purpose: two live instances sharing one id would fence each other.
 */
final class InstanceId {
    private InstanceId() {}

    static String resolve(FulfillmentConfig config) {
        if (config.instanceId() != null && !config.instanceId().isBlank()) return config.instanceId().trim();
        Path file = config.stateDir().resolve("instance-id");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!id.isEmpty()) return id;
            }
            Files.createDirectories(config.stateDir());
            String id = UUID.randomUUID().toString();
            Path tmp = Files.createTempFile(config.stateDir(), "instance-id", ".tmp");
            Files.writeString(tmp, id, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("FULFILLMENT_STATE_DIR " + config.stateDir() + ": " + e.getMessage(), e);
        }
    }
}
