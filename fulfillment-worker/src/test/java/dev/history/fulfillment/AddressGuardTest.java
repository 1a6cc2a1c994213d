package dev.history.fulfillment;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The outbound block list: every special-purpose range refused, public addresses and allowed networks pass. */
class AddressGuardTest {
    private static final AddressGuard STRICT = AddressGuard.parse(List.of());

    @Test
    void refusesEverySpecialPurposeRange() {
        for (String a : List.of("0.1.2.3", "10.0.0.1", "100.64.0.1", "127.0.0.1", "169.254.169.254", "172.31.255.255",
                "192.0.0.8", "192.0.2.10", "192.88.99.1", "192.168.0.1", "198.18.0.1", "198.51.100.7", "203.0.113.200",
                "224.0.0.251", "239.255.255.250", "240.0.0.1", "255.255.255.255",
                "::", "::1", "::127.0.0.1", "::ffff:10.0.0.1", "::ffff:192.0.2.1", "::ffff:127.0.0.1", "64:ff9b::a00:1",
                "100::1", "2001::1", "2001:db8::1", "2001:db8:ffff::1", "2002:a00:1::1", "fc00::1", "fd00:ec2::254",
                "fe80::1", "fec0::1", "feff::1", "ff02::1")) {
            assertThatThrownBy(() -> STRICT.check(a, InetAddress.getByName(a))).as(a).isInstanceOf(AddressGuard.Refused.class);
        }
    }

    @Test
    void publicAddressesPass() {
        for (String a : List.of("8.8.8.8", "1.1.1.1", "192.0.1.1", "198.51.99.1", "203.0.114.1", "2606:4700:4700::1111",
                "2a00:1450:4001::1", "::ffff:8.8.8.8")) {
            assertThatCode(() -> STRICT.check(a, InetAddress.getByName(a))).as(a).doesNotThrowAnyException();
        }
    }

    @Test
    void allowedNetworksWinAndAreParsedStrictly() throws Exception {
        AddressGuard lab = AddressGuard.parse(List.of("10.20.0.0/16", "fd12::/16", "127.0.0.1"));
        lab.check("x", InetAddress.getByName("10.20.3.4"));
        lab.check("x", InetAddress.getByName("::ffff:10.20.3.4"));
        lab.check("x", InetAddress.getByName("fd12::5"));
        lab.check("x", InetAddress.getByName("127.0.0.1"));
        assertThatThrownBy(() -> lab.check("x", InetAddress.getByName("10.21.0.1"))).isInstanceOf(AddressGuard.Refused.class);
        assertThatThrownBy(() -> lab.check("x", InetAddress.getByName("127.0.0.2"))).isInstanceOf(AddressGuard.Refused.class);
        for (String bad : List.of("10.0.0.0/33", "example.com", "10.0.0.0/x", "::/129", "1.2.3.4.5")) {
            assertThatThrownBy(() -> AddressGuard.parse(List.of(bad))).as(bad).hasMessageContaining("WEBHOOK_ALLOWED_NETWORKS");
        }
    }
}
