package dev.history.common.privacy;

/** A ciphertext that cannot be opened: tampered, wrong key, or its key was forgotten. Never carries key material. */
public final class SealException extends RuntimeException {
    public SealException(String message) {
        super(message, null, false, false);
    }
}
