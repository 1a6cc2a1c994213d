package dev.history.ops;

import dev.history.common.Env;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code bin/pipeline ops <command>}: operator tools. Only wires: the environment, the picocli command
 * tree and the exit code. Each command is one class listed in {@code subcommands}; adding one is one
 * more class and one more entry there.
 */
@Command(name = "ops",
        mixinStandardHelpOptions = true,
        versionProvider = OpsMain.Version.class,
        description = "Operator tools for the history pipeline. Results on stdout, progress on stderr.",
        subcommands = {
            RebuildCommand.class,
            ReplayCommand.class,
            ExportCommand.class,
            StatusCommand.class,
            RedriveCommand.class,
            AuditCommand.class,
            ForgetCommand.class,
            RewrapCommand.class,
            ErasureSecretsCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class OpsMain implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(OpsMain.class);

    private final Env env;

    @Spec
    CommandSpec spec;

    OpsMain(Env env) {
        this.env = env;
    }

    /** The environment every command reads its settings from (the same variables the services use). */
    Env env() {
        return env;
    }

    @Override
    public void run() {
        // "ops" without a command: picocli prints the message and the list of commands.
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(execute(Env.system(), out, err, args));
    }

    /** Runs one command line; tests call this with their own environment and writers. */
    public static int execute(Env env, PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new OpsMain(env));
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // A failure is one clear sentence on stderr; the stack trace only goes to the debug log.
            String message = e instanceof OpsException ? e.getMessage() : e.toString();
            LOG.debug("{} failed", cmd.getCommandName(), e);
            cmd.getErr().println("ops " + cmd.getCommandName() + ": error: " + message);
            cmd.getErr().flush();
            return 1;
        });
        int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = OpsMain.class.getPackage().getImplementationVersion();
            return new String[] {"history-pipeline ops " + (version == null ? "(development build)" : version)};
        }
    }
}
