package dev.history.common.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.history.common.Env;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The secrets file the separate services read (ERASURE_SECRETS_FILE) and `ops erasure-secrets` writes. */
class ErasureSettingsTest {
    @TempDir
    Path dir;

    @Test
    void aSecretsFileTurnsErasureOnAndIsKeptAsItIs() throws Exception {
        Path file = dir.resolve("secrets/erasure-secrets.properties");
        String said = ErasureSettings.writeSecretsFile(file, null);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String first = Files.readString(file);
        assertThat(ErasureSettings.writeSecretsFile(file, null)).startsWith("kept ");
        assertThat(Files.readString(file)).isEqualTo(first);

        ErasureSettings settings = ErasureSettings.from(Env.of(Map.of("ERASURE_SECRETS_FILE", file.toString())));
        assertThat(settings.enabled()).isTrue();
        assertThat(settings.parseMasterKeys().ids()).containsExactly("local-1");
        assertThat(said).startsWith("created ").contains("local-1")
                .doesNotContain(settings.masterKeys().split(":")[1]).doesNotContain(settings.pepper());
        assertThat(settings.toString()).doesNotContain(settings.pepper()).doesNotContain(settings.masterKeys().split(":")[1]);
    }

    @Test
    void aNewMasterKeyGoesFirstAndThePepperNeverChanges() {
        Path file = dir.resolve("erasure-secrets.properties");
        ErasureSettings.writeSecretsFile(file, null);
        ErasureSettings before = ErasureSettings.from(Env.of(Map.of("ERASURE_SECRETS_FILE", file.toString())));
        String said = ErasureSettings.writeSecretsFile(file, "2027-01");
        ErasureSettings after = ErasureSettings.from(Env.of(Map.of("ERASURE_SECRETS_FILE", file.toString())));
        assertThat(said).contains("2027-01").doesNotContain(after.masterKeys().split(",")[0].split(":")[1]);
        assertThat(after.parseMasterKeys().ids()).containsExactly("2027-01", "local-1");
        assertThat(after.parseMasterKeys().currentKeyId()).isEqualTo("2027-01");
        assertThat(after.pepper()).isEqualTo(before.pepper());
        assertThat(after.masterKeys()).endsWith(before.masterKeys());
        assertThatThrownBy(() -> ErasureSettings.writeSecretsFile(file, "2027-01")).hasMessageContaining("exists already");
    }

    @Test
    void aNamedFileThatIsMissingOrIncompleteStopsTheStart() throws Exception {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> ErasureSettings.from(Env.of(Map.of("ERASURE_SECRETS_FILE", missing.toString()))))
                .hasMessageContaining("is not a file").hasMessageContaining("ops erasure-secrets");
        Path half = Files.writeString(dir.resolve("half.properties"), "ERASURE_PEPPER=" + "A".repeat(44) + "\n");
        assertThatThrownBy(() -> ErasureSettings.from(Env.of(Map.of("ERASURE_SECRETS_FILE", half.toString()))))
                .hasMessageContaining("lacks ERASURE_MASTER_KEYS");
        assertThat(ErasureSettings.from(Env.of(Map.of())).enabled()).isFalse();
    }
}
