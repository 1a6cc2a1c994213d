package dev.history.common.privacy;

/**
 * Wraps and unwraps per-customer data keys: the seam where a cloud KMS or an HSM would plug in.
 * {@link MasterKeys} is the implementation over keys from configuration.
 */
public interface KeyWrapper {

    /** Wraps with the current (newest) master key. */
    Wrapped wrap(byte[] dataKey, byte[] aad);

    /** @throws SealException when {@code wrapped.masterKeyId()} is unknown or the wrapped key does not authenticate */
    byte[] unwrap(Wrapped wrapped, byte[] aad);

    /** The id new data keys are wrapped with; a key wrapped with another id is re-wrapped by {@code ops rewrap}. */
    String currentKeyId();

    /** A wrapped data key and the id of the master key that wrapped it. */
    record Wrapped(String masterKeyId, byte[] bytes) {}
}
