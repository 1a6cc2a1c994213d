package dev.history.ops;

import dev.history.common.Env;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** What every ops command shares: the parent's environment, the connection options and the output streams. */
abstract class OpsCommand implements Callable<Integer> {
    @ParentCommand
    OpsMain ops;

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    /** Results (counts, tables, NDJSON). */
    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Progress and diagnostics. */
    PrintWriter progress() {
        return spec.commandLine().getErr();
    }

    /** The environment with the command-line connection options applied. */
    Env env() {
        return connection.apply(ops.env());
    }

    KafkaConnection openKafka(Env env, PrintWriter progress) {
        return KafkaConnection.open(env, connection.dataDir != null, progress);
    }
}
