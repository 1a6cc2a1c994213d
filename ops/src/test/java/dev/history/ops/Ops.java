package dev.history.ops;

import dev.history.common.Env;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

/** Runs the ops CLI in tests through its real entry point (environments come from the standalone tests' TestSystems). */
final class Ops {
    private Ops() {}

    record Result(int code, String out, String err) {
        List<String> lines() {
            return out.isBlank() ? List.of() : List.of(out.strip().split("\n"));
        }
    }

    /** Runs {@code ops <args>} through its real entry point with exactly this environment. */
    static Result run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = OpsMain.execute(Env.of(env), new PrintWriter(out), new PrintWriter(err), args);
        System.out.println("ops " + String.join(" ", args) + " -> " + code + "\n--- stdout\n" + out + "--- stderr\n" + err);
        return new Result(code, out.toString(), err.toString());
    }
}
