package dev.lem.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the CLI in-process and captures its output. */
final class CliTestSupport {
    private CliTestSupport() {
    }

    record Run(int exitCode, String out, String err) {
    }

    static Run lem(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = LemCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }
}
