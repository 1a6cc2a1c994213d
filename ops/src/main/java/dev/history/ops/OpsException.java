package dev.history.ops;

/** A failure an operator can act on: its message is printed as is, without a stack trace. */
final class OpsException extends RuntimeException {
    OpsException(String message) {
        super(message);
    }

    OpsException(String message, Throwable cause) {
        super(message, cause);
    }
}
