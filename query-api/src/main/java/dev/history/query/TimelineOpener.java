package dev.history.query;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.history.common.privacy.Privacy;
import dev.history.common.privacy.SealException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the sealed fields of stored timeline elements for an answer. An element whose key is gone
 * (the customer was forgotten; an event that raced the forget) is left out: it is unreadable by design.
 *
 * <p>The stored element is compact JSON written by Jackson; only the values of {@code "note":"enc1.…"} and
 * {@code "link":"enc1.…"} are replaced in place (a sealed value is base64url and dots: it has no escapes,
 * and inside a JSON string a quote is always escaped, so the pattern cannot start inside another value).
 * Every other byte is kept as stored: no parse and re-serialisation of the element.
 */
final class TimelineOpener {
    private static final byte[][] FIELD_NAMES = {
        "\"note\":".getBytes(StandardCharsets.US_ASCII), "\"link\":".getBytes(StandardCharsets.US_ASCII)};
    private static final int FIELD_NAME = "\"note\":".length();
    private static final byte[] SEALED_VALUE = ("\"" + Privacy.SEALED_PREFIX).getBytes(StandardCharsets.US_ASCII);
    private static final int VALUE_OFFSET = FIELD_NAME + 1;

    private final Privacy privacy;

    TimelineOpener(Privacy privacy) {
        this.privacy = privacy;
    }

    /** The element with its fields opened; null when it cannot be opened. Unsealed elements pass untouched. */
    byte[] open(String customer, byte[] element) {
        if (!privacy.enabled()) return element;
        ByteArrayOutputStream out = null;
        int copied = 0;
        for (int at = next(element, 0); at >= 0; at = next(element, copied)) {
            int start = at + VALUE_OFFSET;
            int end = indexOf(element, (byte) '"', start);
            if (end < 0) return null;
            String plain;
            try {
                plain = privacy.open(customer, new String(element, start, end - start, StandardCharsets.US_ASCII));
            } catch (SealException e) {
                return null;
            }
            if (out == null) out = new ByteArrayOutputStream(element.length);
            out.write(element, copied, start - copied);
            out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(plain));
            copied = end;
        }
        if (out == null) return element;
        out.write(element, copied, element.length - copied);
        return out.toByteArray();
    }

    TimelinePage open(String customer, TimelinePage page) {
        if (!privacy.enabled()) return page;
        List<byte[]> opened = new ArrayList<>(page.events().size());
        for (byte[] element : page.events()) {
            byte[] plain = open(customer, element);
            if (plain != null) opened.add(plain);
        }
        return new TimelinePage(opened, page.olderCursor());
    }

    /** The first sealed note or link at or after {@code from} (the index of its name's quote), or -1. One pass. */
    private static int next(byte[] element, int from) {
        int last = element.length - SEALED_VALUE.length;
        for (int i = from + FIELD_NAME; i <= last; i++) {
            if (element[i] != '"' || element[i + 1] != 'e' || !startsWith(element, i, SEALED_VALUE)) continue;
            int name = i - FIELD_NAME;
            for (byte[] field : FIELD_NAMES) if (startsWith(element, name, field)) return name;
        }
        return -1;
    }

    private static boolean startsWith(byte[] haystack, int at, byte[] prefix) {
        for (int j = 0; j < prefix.length; j++) if (haystack[at + j] != prefix[j]) return false;
        return true;
    }

    private static int indexOf(byte[] haystack, byte b, int from) {
        for (int i = from; i < haystack.length; i++) if (haystack[i] == b) return i;
        return -1;
    }
}
