package dev.history.query;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.history.common.Json;
import dev.history.common.privacy.Privacy;
import dev.history.common.privacy.SealException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the sealed fields of stored timeline elements for an answer. An element whose key is gone
 * (the customer was forgotten; an event that raced the forget) is left out: it is unreadable by design.
 */
final class TimelineOpener {
    private static final byte[] MARK = Privacy.SEALED_PREFIX.getBytes(StandardCharsets.US_ASCII);
    private static final String[] FIELDS = {"note", "link"};

    private final Privacy privacy;

    TimelineOpener(Privacy privacy) {
        this.privacy = privacy;
    }

    /** The element with its fields opened; null when it cannot be opened. Unsealed elements pass untouched. */
    byte[] open(String customer, byte[] element) {
        if (!privacy.enabled() || !contains(element, MARK)) return element;
        try {
            ObjectNode node = (ObjectNode) Json.MAPPER.readTree(element);
            for (String field : FIELDS) {
                if (node.hasNonNull(field)) node.put(field, privacy.open(customer, node.get(field).asText()));
            }
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (SealException e) {
            return null;
        } catch (IOException | ClassCastException e) {
            return null;
        }
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

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }
}
