package dev.history.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.history.common.Json;
import dev.history.common.http.auth.ApiKeyFormat;
import dev.history.common.http.auth.ApiKeys;
import dev.history.common.http.auth.Scope;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/pipeline keys create --name N --scopes a,b [--rate-limit N] [--json]}: a new API key, printed
 * once, and the {@code API_KEYS_FILE} entry to add for it (only its SHA-256 is stored). Needs no Kafka.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "API keys for API_KEYS_FILE (docs/SECURITY.md).",
        subcommands = {KeysMain.Create.class, CommandLine.HelpCommand.class})
public final class KeysMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(execute(out, err, args));
    }

    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new KeysMain());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("keys " + cmd.getCommandName() + ": error: " + e.getMessage());
            return 1;
        });
        int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Print a new API key once, and the entry to add to API_KEYS_FILE (a JSON array).",
                "Store the key in the client's secret store: it cannot be shown again. Revoke it by removing the entry."})
    static final class Create implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--name", required = true, paramLabel = "N", description = "Who holds the key (logged and audited), e.g. ivr-flows.")
        String name;

        @Option(names = "--scopes", required = true, split = ",", paramLabel = "a,b",
                description = "Scopes: history:write, history:read, directory:write, fulfillment:write, ops, admin.")
        List<String> scopes;

        @Option(names = "--rate-limit", paramLabel = "N", description = "This key's own limit in requests per second (burst 2N).")
        Long rateLimit;

        @Option(names = "--json", description = "One JSON object {\"key\": …, \"entry\": {…}} instead of text.")
        boolean json;

        @Override
        public Integer call() {
            Scope.parseAll(scopes, "--scopes");
            String key = ApiKeyFormat.generate();
            ObjectNode entry = Json.MAPPER.createObjectNode();
            entry.put("name", name);
            entry.put("hash", ApiKeyFormat.hash(key));
            scopes.forEach(entry.putArray("scopes")::add);
            if (rateLimit != null) entry.put("rateLimit", rateLimit);
            // The same validation the services apply when they load the file.
            ApiKeys.parse(("[" + Json.writeString(entry) + "]").getBytes(StandardCharsets.UTF_8), "--name/--scopes");
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ObjectNode both = Json.MAPPER.createObjectNode();
                both.put("key", key);
                both.set("entry", entry);
                out.println(Json.writeString(both));
            } else {
                out.println("API key for " + name + " (shown once; store it in the client's secret store):");
                out.println(key);
                out.println("Entry to add to API_KEYS_FILE:");
                out.println(Json.writeString(entry));
            }
            return 0;
        }
    }
}
