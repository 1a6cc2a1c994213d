package dev.history.common.http.auth;

/**
 * A presented credential is not valid. The message is for the client and the log: it names what was
 * wrong (expired, unknown key, bad signature) and never contains the credential.
 */
public final class AuthFailure extends Exception {
    public AuthFailure(String message) {
        super(message, null, false, false);
    }
}
