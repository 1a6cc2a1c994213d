package dev.history.ops;

import dev.history.common.Env;
import dev.history.common.privacy.ErasureSettings;
import dev.history.common.privacy.Privacy;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** Master-key rotation: re-wraps every data key with the first key of ERASURE_MASTER_KEYS. */
@Command(name = "rewrap", mixinStandardHelpOptions = true,
        description = {
            "Re-wrap every customer data key not yet wrapped by the current master key (the first in "
                    + "ERASURE_MASTER_KEYS), e.g. after putting a new master key first. The services keep running; "
                    + "once it reports 0 left, the old master key can be removed from ERASURE_MASTER_KEYS.",
            "A key forgotten while it runs is tombstoned again after its writes: forgets may go on meanwhile."})
final class RewrapCommand extends OpsCommand {
    @Override
    public Integer call() {
        PrintWriter out = out();
        Env env = env();
        ErasureSettings settings = ErasureSettings.fromEnvOrDataDir(env);
        if (!settings.enabled()) throw new OpsException("erasure is not configured: set ERASURE_MASTER_KEYS and ERASURE_PEPPER");
        try (KafkaConnection kafka = openKafka(env, progress());
                Privacy privacy = Privacy.start(settings, kafka.settings(), "ops-rewrap")) {
            int rewrapped = privacy.keys().rewrap();
            out.printf("rewrap: %d data key(s) re-wrapped with master key %s; %d key(s) in total%n", rewrapped,
                    settings.parseMasterKeys().currentKeyId(), privacy.keys().size());
            out.flush();
            return 0;
        }
    }
}
