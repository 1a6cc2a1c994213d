package dev.history.query;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.history.common.privacy.Privacy;
import dev.history.common.privacy.SealException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.utils.Bytes;

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
        return open(customer, null, element);
    }

    /**
     * As {@link #open(String, byte[])}; with the element's {@code place} (its store key) the opened form is kept
     * and the next read of the same bytes there is one lookup ({@link Privacy#openedElement}).
     */
    byte[] open(String customer, Bytes place, byte[] element) {
        if (!privacy.enabled()) return element;
        if (place != null) {
            byte[] kept = privacy.openedElement(customer, place, element);
            if (kept != null) return kept;
        }
        ByteArrayOutputStream out = null;
        int copied = 0;
        String keyId = null; // of every sealed field, or null when they differ (then the element is not kept)
        boolean first = true;
        for (int at = next(element, 0); at >= 0; at = next(element, copied)) {
            int start = at + VALUE_OFFSET;
            int end = indexOf(element, (byte) '"', start);
            if (end < 0) return null;
            String sealed = new String(element, start, end - start, StandardCharsets.US_ASCII);
            String plain;
            try {
                plain = privacy.open(customer, sealed);
            } catch (SealException e) {
                return null;
            }
            String fieldKeyId = Privacy.keyIdOf(sealed);
            keyId = first || Objects.equals(keyId, fieldKeyId) ? fieldKeyId : null;
            first = false;
            if (out == null) out = new ByteArrayOutputStream(element.length);
            out.write(element, copied, start - copied);
            out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(plain));
            copied = end;
        }
        if (out == null) return element;
        out.write(element, copied, element.length - copied);
        byte[] opened = out.toByteArray();
        if (place != null && keyId != null) privacy.keepOpened(place, keyId, element, opened);
        return opened;
    }

    TimelinePage open(String customer, TimelinePage page) {
        if (!privacy.enabled()) return page;
        List<byte[]> opened = new ArrayList<>(page.events().size());
        List<Bytes> places = new ArrayList<>(page.events().size());
        for (int i = 0; i < page.events().size(); i++) {
            byte[] plain = open(customer, page.places().get(i), page.events().get(i));
            if (plain == null) continue;
            opened.add(plain);
            places.add(page.places().get(i));
        }
        return new TimelinePage(opened, places, page.olderCursor());
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
