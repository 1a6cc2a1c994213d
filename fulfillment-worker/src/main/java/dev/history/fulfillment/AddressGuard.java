package dev.history.fulfillment;

import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Outbound safety (SSRF): a webhook target may only be a public address, unless the operator allows a
 * network explicitly ({@code WEBHOOK_ALLOWED_NETWORKS}, CIDR list). Every address a host name resolves
 * to must pass, and the caller then connects to the checked address, so DNS cannot answer differently
 * between the check and the connection.
 */
public final class AddressGuard {
    private static final List<Cidr> BLOCKED = List.of(
            Cidr.parse("0.0.0.0/8"), Cidr.parse("10.0.0.0/8"), Cidr.parse("100.64.0.0/10"), Cidr.parse("127.0.0.0/8"),
            Cidr.parse("169.254.0.0/16"), // link-local, includes the 169.254.169.254 metadata service
            Cidr.parse("172.16.0.0/12"), Cidr.parse("192.0.0.0/24"), Cidr.parse("192.168.0.0/16"),
            Cidr.parse("198.18.0.0/15"), Cidr.parse("224.0.0.0/3"), // multicast and reserved
            Cidr.parse("::/128"), Cidr.parse("::1/128"), Cidr.parse("fc00::/7"), // unique local, includes fd00:ec2::254
            Cidr.parse("fe80::/10"), Cidr.parse("ff00::/8"), Cidr.parse("64:ff9b::/96"));

    private final List<Cidr> allowed;

    public AddressGuard(List<Cidr> allowed) {
        this.allowed = List.copyOf(allowed);
    }

    public static AddressGuard parse(List<String> allowedNetworks) {
        return new AddressGuard(allowedNetworks.stream().map(Cidr::parse).toList());
    }

    /** Thrown when a target is refused; never retried. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** Resolves {@code host} and returns the address to connect to; refuses if any resolved address is unsafe. */
    public InetAddress resolve(String host) throws UnknownHostException, Refused {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] addresses = InetAddress.getAllByName(bare);
        for (InetAddress address : addresses) check(host, address);
        return addresses[0];
    }

    void check(String host, InetAddress address) throws Refused {
        InetAddress effective = unwrapMapped(address);
        for (Cidr cidr : allowed) {
            if (cidr.contains(effective)) return;
        }
        for (Cidr cidr : BLOCKED) {
            if (cidr.contains(effective)) {
                throw new Refused("target " + host + " resolves to " + effective.getHostAddress()
                        + ", a non-public address not in WEBHOOK_ALLOWED_NETWORKS");
            }
        }
    }

    /** {@code ::ffff:10.0.0.1} is 10.0.0.1 on the wire. */
    private static InetAddress unwrapMapped(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] b = address.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) mapped &= b[i] == 0;
            mapped &= (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
            if (mapped) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return address;
    }

    public List<Cidr> allowed() {
        return allowed;
    }

    /** An IPv4 or IPv6 network in CIDR notation; a bare address is a /32 or /128. */
    public record Cidr(byte[] network, int prefix, String text) {
        public static Cidr parse(String text) {
            String t = text.trim();
            int slash = t.indexOf('/');
            String addr = slash < 0 ? t : t.substring(0, slash);
            if (!addr.matches("[0-9A-Fa-f:.]+")) {
                throw new IllegalArgumentException("WEBHOOK_ALLOWED_NETWORKS: '" + text + "' is not a CIDR like 10.0.0.0/8");
            }
            try {
                byte[] bytes = InetAddress.getByName(addr).getAddress();
                int bits = bytes.length * 8;
                int prefix = slash < 0 ? bits : Integer.parseInt(t.substring(slash + 1));
                if (prefix < 0 || prefix > bits) throw new NumberFormatException();
                return new Cidr(bytes, prefix, t);
            } catch (UnknownHostException | NumberFormatException e) {
                throw new IllegalArgumentException("WEBHOOK_ALLOWED_NETWORKS: '" + text + "' is not a CIDR like 10.0.0.0/8");
            }
        }

        public boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != network.length) return false;
            int bits = a.length * 8;
            if (prefix == 0) return true;
            BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                    .xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
            return new BigInteger(1, a).and(mask).equals(new BigInteger(1, network).and(mask));
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
