package dev.history.query;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.history.common.Json;
import dev.history.common.privacy.Privacy;
import dev.history.common.privacy.SealException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
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

    /** An element opened, and the id of the key its sealed fields use ("" when it has none, null when they differ). */
    private record Element(byte[] plain, String keyId) {}

    /** The element with its fields opened; null when it cannot be opened. Unsealed elements pass untouched. */
    byte[] open(String customer, byte[] element) {
        if (!privacy.enabled()) return element;
        Element opened = openFields(customer, element);
        return opened == null ? null : opened.plain();
    }

    /**
     * The answer to {@code query}: the page's elements opened, as the JSON array widgets read; elements that
     * cannot be opened are left out. What was opened is kept under the query ({@link Privacy#keepOpened}):
     * while the page's stored elements stay byte for byte the same, a read opens nothing; when they change
     * (a new event), only the elements not kept are opened.
     */
    byte[] answer(TimelineQuery query, TimelinePage page) {
        if (!privacy.enabled()) return page.toJsonArray();
        String customer = query.username();
        byte[][] stored = page.events().toArray(new byte[0][]);
        Privacy.Opened kept = privacy.opened(customer, query);
        if (kept != null && kept.openedFrom(stored)) return kept.answer(); // only ever read, never written to
        Map<Bytes, byte[]> earlier = new HashMap<>();
        if (kept != null) for (int i = 0; i < kept.stored().length; i++) earlier.put(Bytes.wrap(kept.stored()[i]), kept.plain(i));
        byte[][] plain = new byte[stored.length][]; // null where an element is left out
        String keyId = ""; // of every sealed field of the page; null when they differ or an element was left out
        for (int i = 0; i < stored.length; i++) {
            plain[i] = earlier.get(Bytes.wrap(stored[i]));
            if (plain[i] != null) {
                keyId = sameKey(keyId, kept.keyId());
                continue;
            }
            Element element = openFields(customer, stored[i]);
            plain[i] = element == null ? null : element.plain();
            keyId = element == null ? null : sameKey(keyId, element.keyId());
        }
        if (keyId == null || keyId.isEmpty()) return Json.array(Arrays.stream(plain).filter(Objects::nonNull).toList());
        Privacy.Opened opened = Privacy.Opened.of(keyId, stored, plain); // every element opened: none is null
        privacy.keepOpened(query, opened);
        return opened.answer();
    }

    /** Key ids of two parts: "" is none, null is several. */
    private static String sameKey(String a, String b) {
        if (a == null || b == null) return null;
        if (a.isEmpty()) return b;
        return b.isEmpty() || a.equals(b) ? a : null;
    }

    /** Opens each sealed field in place (an AES-GCM open each); null when one cannot be opened. */
    private Element openFields(String customer, byte[] element) {
        ByteArrayOutputStream out = null;
        int copied = 0;
        String keyId = "";
        for (int at = next(element, 0); at >= 0; at = next(element, copied)) {
            int start = at + VALUE_OFFSET;
            int end = indexOf(element, (byte) '"', start);
            if (end < 0) return null;
            String sealed = new String(element, start, end - start, StandardCharsets.US_ASCII);
            String fieldKey = Privacy.keyIdOf(sealed);
            String plain;
            try {
                plain = privacy.open(customer, fieldKey, sealed);
            } catch (SealException e) {
                return null;
            }
            keyId = sameKey(keyId, fieldKey);
            if (out == null) out = new ByteArrayOutputStream(element.length);
            out.write(element, copied, start - copied);
            out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(plain));
            copied = end;
        }
        if (out == null) return new Element(element, "");
        out.write(element, copied, element.length - copied);
        return new Element(out.toByteArray(), keyId);
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
