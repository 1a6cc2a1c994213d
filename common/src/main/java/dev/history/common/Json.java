package dev.history.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** The one ObjectMapper of the system: tolerant of unknown fields so old readers survive new writers. */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Json() {}

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    public static String writeString(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** The JSON array of these JSON documents, as bytes: the documents are copied as they are, not parsed. */
    public static byte[] array(List<byte[]> documents) {
        int size = 2 + Math.max(0, documents.size() - 1);
        for (byte[] document : documents) size += document.length;
        byte[] out = new byte[size];
        int pos = 0;
        out[pos++] = '[';
        for (int i = 0; i < documents.size(); i++) {
            if (i > 0) out[pos++] = ',';
            byte[] document = documents.get(i);
            System.arraycopy(document, 0, out, pos, document.length);
            pos += document.length;
        }
        out[pos] = ']';
        return out;
    }

    public static <T> T read(byte[] bytes, Class<T> type) {
        try {
            return MAPPER.readValue(bytes, type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + type.getSimpleName(), e);
        }
    }
}
