package dev.history.ops;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Bytes written to an OutputStream, forwarded line by line to a PrintWriter (for tools that print to System.out). */
final class WriterOutputStream extends OutputStream {
    private final PrintWriter target;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    WriterOutputStream(PrintWriter target) {
        this.target = target;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            flushLine();
        } else {
            line.write(b);
        }
    }

    @Override
    public synchronized void flush() {
        if (line.size() > 0) flushLine();
        target.flush();
    }

    private void flushLine() {
        target.println("  " + line.toString(StandardCharsets.UTF_8));
        line.reset();
    }
}
