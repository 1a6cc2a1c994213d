package dev.history.ops;

import dev.history.common.Env;
import dev.history.common.Json;
import dev.history.common.KafkaSettings;
import dev.history.common.privacy.ErasureSettings;
import dev.history.common.privacy.Erasures;
import dev.history.common.privacy.KeyRecord;
import dev.history.common.privacy.Privacy;
import java.io.PrintWriter;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Forgets one customer by crypto-shredding (the same {@link Erasures} as {@code DELETE /customers/{username}}). */
@Command(name = "forget", mixinStandardHelpOptions = true,
        description = {
            "Erase one customer: delete its data keys (every ciphertext of the customer in every topic, changelog, "
                    + "export and backup becomes unreadable), reset its timeline and delete its profile and aliases.",
            "Idempotent: running it again deletes nothing more. The services may keep running. Prints the receipt "
                    + "(it names no customer). See docs/OPERATIONS.md#forgetting-a-customer."})
final class ForgetCommand extends OpsCommand {
    @Option(names = "--username", required = true, paramLabel = "U", description = "The customer to forget.")
    String username;

    @Option(names = "--dry-run", description = "Say how many data keys the customer has; change nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        PrintWriter out = out();
        Env env = env();
        ErasureSettings settings = ErasureSettings.fromEnvOrDataDir(env);
        if (!settings.enabled()) throw new OpsException("erasure is not configured: set ERASURE_MASTER_KEYS and ERASURE_PEPPER");
        try (KafkaConnection kafka = openKafka(env, progress());
                Privacy privacy = Privacy.start(settings, kafka.settings(), "ops-forget")) {
            String customer = privacy.customer(username);
            if (dryRun) {
                privacy.keys().awaitCaughtUp();
                out.printf("forget (dry run): the customer has %s data key(s)%n", privacy.keys().hasKeys(customer) ? "some" : "no");
                return 0;
            }
            KafkaSettings settingsForProducer = kafka.settings();
            try (Producer<String, byte[]> producer = new KafkaProducer<>(settingsForProducer.producer("ops-forget"));
                    Erasures erasures = new Erasures(producer, settingsForProducer.topics(), privacy)) {
                KeyRecord receipt = erasures.forget(username);
                out.println(Json.writeString(receipt));
                out.flush();
                return Erasures.COMPLETED.equals(receipt.status()) ? 0 : 1;
            }
        }
    }
}
