package dev.history.fulfillment;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.ipv6.IPv6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.stream.Stream;

/**
 * Outbound safety (SSRF): a webhook target may only be a public address, unless the operator allows a
 * network explicitly ({@code WEBHOOK_ALLOWED_NETWORKS}, CIDR list). Every address a host name resolves
 * to must pass, and the caller then connects to the checked address, so DNS cannot answer differently
 * between the check and the connection. Address arithmetic is the IPAddress library's, not ours.
 */
public final class AddressGuard {
    /** Special-purpose ranges (RFC 6890 and the IANA registries) a webhook has no business reaching. */
    private static final List<IPAddress> BLOCKED = Stream.of(
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
            "169.254.0.0/16", // link-local, includes the 169.254.169.254 metadata service
            "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
            "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
            "224.0.0.0/4", // multicast
            "240.0.0.0/4", // reserved, includes the 255.255.255.255 broadcast
            "::/96", // unspecified, loopback, IPv4-compatible
            "64:ff9b::/96", "64:ff9b:1::/48", // NAT64: would reach IPv4 space through a translator
            "100::/64", // discard-only
            "2001::/32", // Teredo
            "2001:db8::/32", // documentation
            "2002::/16", // 6to4: embeds an IPv4 address
            "fc00::/7", // unique local, includes fd00:ec2::254
            "fe80::/10", "fec0::/10", // link-local, site-local (deprecated)
            "ff00::/8") // multicast
            .map(AddressGuard::block).toList();

    /** How a host name becomes addresses: the system resolver, or a stand-in in tests. */
    interface Resolver {
        InetAddress[] lookup(String host) throws UnknownHostException;
    }

    private final List<Cidr> allowed;
    private final Resolver resolver;

    public AddressGuard(List<Cidr> allowed) {
        this(allowed, InetAddress::getAllByName);
    }

    AddressGuard(List<Cidr> allowed, Resolver resolver) {
        this.allowed = List.copyOf(allowed);
        this.resolver = resolver;
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
        return resolveAll(host).get(0);
    }

    /**
     * Resolves {@code host} and returns every address it resolved to, each checked; refuses if any of them is
     * unsafe. A caller connects only to these addresses (the webhook client's {@code Dns} returns exactly them).
     */
    public List<InetAddress> resolveAll(String host) throws UnknownHostException, Refused {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] addresses = resolver.lookup(bare);
        if (addresses == null || addresses.length == 0) throw new UnknownHostException("no address for " + host);
        for (InetAddress address : addresses) check(host, address);
        return List.of(addresses);
    }

    void check(String host, InetAddress address) throws Refused {
        IPAddress effective = effective(address);
        for (Cidr cidr : allowed) {
            if (cidr.block().contains(effective)) return;
        }
        for (IPAddress blocked : BLOCKED) {
            if (blocked.contains(effective)) {
                throw new Refused("target " + host + " resolves to " + effective.toCanonicalString()
                        + ", a non-public address not in WEBHOOK_ALLOWED_NETWORKS");
            }
        }
    }

    /** {@code ::ffff:10.0.0.1} is 10.0.0.1 on the wire. */
    private static IPAddress effective(InetAddress address) {
        IPAddress ip = new IPAddressString(address.getHostAddress()).getAddress();
        if (ip == null) throw new IllegalStateException("unparseable address " + address);
        ip = ip.withoutPrefixLength();
        if (ip.isIPv6()) {
            IPv6Address v6 = ip.toIPv6();
            if (v6.isIPv4Mapped()) return v6.getEmbeddedIPv4Address();
        }
        return ip;
    }

    private static IPAddress block(String cidr) {
        return new IPAddressString(cidr).getAddress().toPrefixBlock();
    }

    public List<Cidr> allowed() {
        return allowed;
    }

    /** An IPv4 or IPv6 network in CIDR notation; a bare address is a /32 or /128. */
    public record Cidr(byte[] network, int prefix, String text) {
        public static Cidr parse(String text) {
            String t = text.trim();
            if (!t.matches("[0-9A-Fa-f:./]+")) throw invalid(text);
            try {
                IPAddressString parsed = new IPAddressString(t);
                IPAddress address = parsed.toAddress();
                int bits = address.getBitCount();
                Integer prefix = address.getNetworkPrefixLength();
                IPAddress network = (prefix == null ? address : address.toPrefixBlock()).getLower().withoutPrefixLength();
                return new Cidr(network.getBytes(), prefix == null ? bits : prefix, t);
            } catch (AddressStringException | IllegalArgumentException e) {
                throw invalid(text);
            }
        }

        private static IllegalArgumentException invalid(String text) {
            return new IllegalArgumentException("WEBHOOK_ALLOWED_NETWORKS: '" + text + "' is not a CIDR like 10.0.0.0/8");
        }

        IPAddress block() {
            try {
                return new IPAddressString(InetAddress.getByAddress(network).getHostAddress() + "/" + prefix)
                        .toAddress().toPrefixBlock();
            } catch (UnknownHostException | AddressStringException e) {
                throw new IllegalStateException(e);
            }
        }

        public boolean contains(InetAddress address) {
            return block().contains(effective(address));
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
