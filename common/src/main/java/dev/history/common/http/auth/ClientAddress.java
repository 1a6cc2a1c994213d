package dev.history.common.http.auth;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.javalin.http.Context;
import java.util.List;

/**
 * The address a request came from, for per-address limits and the audit trail. {@code X-Forwarded-For}
 * is believed only when the connection comes from a listed proxy ({@code HTTP_TRUSTED_PROXIES}, CIDR
 * list, e.g. the entry proxy's network): the right-most address not itself a trusted proxy is the client.
 */
public final class ClientAddress {
    private final List<IPAddress> trusted;

    public ClientAddress(List<String> trustedProxies) {
        this.trusted = trustedProxies.stream().map(text -> {
            IPAddress address = new IPAddressString(text).getAddress();
            if (address == null) throw new IllegalArgumentException("HTTP_TRUSTED_PROXIES: '" + text + "' is not an address or CIDR");
            return address.isPrefixed() ? address.toPrefixBlock() : address;
        }).toList();
    }

    public String of(Context ctx) {
        String peer = ctx.req().getRemoteAddr();
        if (trusted.isEmpty() || !isTrusted(peer)) return peer;
        String forwarded = ctx.header("X-Forwarded-For");
        if (forwarded == null) return peer;
        String[] hops = forwarded.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (hop.isEmpty()) continue;
            IPAddress address = new IPAddressString(hop).getAddress();
            if (address == null) return peer; // garbage in the header: fall back to what we can see
            if (!isTrusted(address)) return address.toCanonicalString();
        }
        return peer;
    }

    private boolean isTrusted(String text) {
        IPAddress address = new IPAddressString(text).getAddress();
        return address != null && isTrusted(address);
    }

    private boolean isTrusted(IPAddress address) {
        for (IPAddress net : trusted) {
            if (net.contains(address)) return true;
        }
        return false;
    }
}
