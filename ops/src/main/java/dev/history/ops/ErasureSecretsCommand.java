package dev.history.ops;

import dev.history.common.privacy.ErasureSettings;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes the file of erasure secrets the separate services read at ERASURE_SECRETS_FILE. */
@Command(name = "erasure-secrets", mixinStandardHelpOptions = true,
        description = {
            "Create the file of crypto-shredding secrets (a master key and the pseudonym pepper, owner-only) that "
                    + "gateway, streams and worker read at ERASURE_SECRETS_FILE; an existing file is kept as it is.",
            "With --new-master-key ID, put a fresh master key first in an existing file (rotation, docs/OPERATIONS.md): "
                    + "roll the services, run `ops rewrap`, then remove the old key from the file and roll again.",
            "Never prints key material."})
final class ErasureSecretsCommand extends OpsCommand {
    @Option(names = "--file", required = true, description = "the secrets file, e.g. deploy/erasure-secrets.properties")
    Path file;

    @Option(names = "--new-master-key", paramLabel = "ID", description = "add a fresh master key with this id, first")
    String newMasterKey;

    @Override
    public Integer call() {
        try {
            out().println(ErasureSettings.writeSecretsFile(file, newMasterKey));
        } catch (IllegalArgumentException e) {
            throw new OpsException(e.getMessage());
        }
        out().flush();
        return 0;
    }
}
