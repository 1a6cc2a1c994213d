package dev.history.common.privacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class CryptoTest {
    private static final byte[] AAD = "c0123/key".getBytes(StandardCharsets.UTF_8);

    private static SecretKeySpec key() {
        return new SecretKeySpec(Gcm.randomBytes(32), "AES");
    }

    @Test
    void roundTripAndFreshNonce() {
        SecretKeySpec key = key();
        byte[] plain = "called about her card".getBytes(StandardCharsets.UTF_8);
        byte[] a = Gcm.encrypt(key, plain, AAD);
        byte[] b = Gcm.encrypt(key, plain, AAD);
        assertFalse(java.util.Arrays.equals(a, b), "same plaintext, different ciphertexts");
        assertArrayEquals(plain, Gcm.decrypt(key, a, AAD));
    }

    @Test
    void everyTamperedBitFails() {
        SecretKeySpec key = key();
        byte[] sealed = Gcm.encrypt(key, "+44 20 7946 0001".getBytes(StandardCharsets.UTF_8), AAD);
        for (int i = 0; i < sealed.length; i++) {
            byte[] copy = sealed.clone();
            copy[i] ^= 1;
            assertThrows(SealException.class, () -> Gcm.decrypt(key, copy, AAD), "bit flipped at byte " + i);
        }
        assertThrows(SealException.class, () -> Gcm.decrypt(key, java.util.Arrays.copyOf(sealed, 10), AAD));
    }

    @Test
    void wrongKeyOrOtherCustomerFails() {
        byte[] sealed = Gcm.encrypt(key(), "x".getBytes(StandardCharsets.UTF_8), AAD);
        assertThrows(SealException.class, () -> Gcm.decrypt(key(), sealed, AAD));
        SecretKeySpec key = key();
        byte[] mine = Gcm.encrypt(key, "x".getBytes(StandardCharsets.UTF_8), AAD);
        assertThrows(SealException.class, () -> Gcm.decrypt(key, mine, "c9999/key".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void sealedFieldsOpenOnlyWithTheirKey() {
        CustomerKeys.DataKey key = new CustomerKeys.DataKey("c1", "k1", key());
        String sealed = Privacy.seal(key, "alice@example.com");
        assertTrue(Privacy.isSealed(sealed));
        assertFalse(sealed.contains("alice"));
        assertEquals("", Privacy.seal(key, ""));
        assertEquals(null, Privacy.seal(key, null));
    }

    @Test
    void rotationNewestWrapsAllUnwrap() {
        String old = MasterKeys.generate("m1");
        String newer = MasterKeys.generate("m2");
        MasterKeys before = MasterKeys.parse(old);
        MasterKeys during = MasterKeys.parse(newer + "," + old);
        MasterKeys after = MasterKeys.parse(newer);
        byte[] dataKey = Gcm.randomBytes(32);

        KeyWrapper.Wrapped wrappedByOld = before.wrap(dataKey, AAD);
        assertEquals("m1", wrappedByOld.masterKeyId());
        assertArrayEquals(dataKey, during.unwrap(wrappedByOld, AAD), "the old key still unwraps during rotation");
        KeyWrapper.Wrapped rewrapped = during.wrap(during.unwrap(wrappedByOld, AAD), AAD);
        assertEquals("m2", rewrapped.masterKeyId(), "the first listed key wraps");
        assertArrayEquals(dataKey, after.unwrap(rewrapped, AAD));
        assertThrows(SealException.class, () -> after.unwrap(wrappedByOld, AAD), "a dropped master key unwraps nothing");
        // relabelling a wrapped key as another master key's does not authenticate
        assertThrows(SealException.class, () -> during.unwrap(new KeyWrapper.Wrapped("m2", wrappedByOld.bytes()), AAD));
        assertThrows(SealException.class, () -> during.unwrap(wrappedByOld, "c2/key".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void masterKeyErrorsNeverShowKeyMaterial() {
        String secret = java.util.Base64.getEncoder().encodeToString(Gcm.randomBytes(16));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MasterKeys.parse("m1:" + secret));
        assertFalse(e.getMessage().contains(secret));
        assertFalse(MasterKeys.parse(MasterKeys.generate("m1")).toString().matches(".*[A-Za-z0-9+/]{40}.*"));
    }

    @Test
    void pseudonymsAreStableKeyedAndSurviveAliasNormalising() {
        Pseudonyms p = new Pseudonyms(Gcm.randomBytes(32));
        assertEquals(p.customer("alice"), p.customer("alice"));
        assertNotEquals(p.customer("alice"), p.customer("bob"));
        assertNotEquals(p.customer("alice"), new Pseudonyms(Gcm.randomBytes(32)).customer("alice"));
        assertTrue(p.customer("alice").matches("c[0-9a-f]{32}"));
        String alias = p.alias("ani:442079460001");
        assertTrue(alias.matches("ani:[0-9a-f]{32}"));
        assertEquals(alias, dev.history.common.Aliases.key("ani", alias.substring(4)), "hex is unchanged by phone normalising");
        String email = p.alias("email:a@x.com");
        assertEquals(email, dev.history.common.Aliases.key("email", email.substring(6)));
    }
}
