package dev.history.common;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * ISO-8601 UTC with milliseconds ({@code 2026-01-31T12:00:00.000Z}), the one timestamp format on the wire.
 * That canonical form is written and read by hand: every event is formatted at the gateway and parsed again
 * by history-streams, and {@code DateTimeFormatter} cost a few per cent of either profile (issue 14). Any
 * other form (an offset, fewer digits, a leap second) takes the {@code java.time} parsers, so what is
 * accepted and what it means is unchanged.
 */
public final class Timestamps {
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final int CANONICAL_LENGTH = 24;
    private static final long DAY_MILLIS = 86_400_000L;
    /** What {@link #canonicalMillis} answers for a text not in the canonical form. */
    public static final long NOT_CANONICAL = Long.MIN_VALUE;

    private Timestamps() {}

    public static String format(Instant instant) {
        long millis = instant.toEpochMilli();
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(millis, DAY_MILLIS));
        int year = date.getYear();
        if (year < 0 || year > 9999) return FORMAT.format(instant);
        int ofDay = (int) Math.floorMod(millis, DAY_MILLIS);
        byte[] out = new byte[CANONICAL_LENGTH];
        digits(out, 0, year, 4);
        out[4] = '-';
        digits(out, 5, date.getMonthValue(), 2);
        out[7] = '-';
        digits(out, 8, date.getDayOfMonth(), 2);
        out[10] = 'T';
        digits(out, 11, ofDay / 3_600_000, 2);
        out[13] = ':';
        digits(out, 14, ofDay / 60_000 % 60, 2);
        out[16] = ':';
        digits(out, 17, ofDay / 1000 % 60, 2);
        out[19] = '.';
        digits(out, 20, ofDay % 1000, 3);
        out[23] = 'Z';
        return new String(out, StandardCharsets.US_ASCII);
    }

    public static String now() {
        return format(Instant.now());
    }

    /** Parses ISO-8601 with an offset ({@code Z} or {@code +02:00}); throws IllegalArgumentException. */
    public static Instant parse(String text) {
        long millis = canonicalMillis(text);
        if (millis != NOT_CANONICAL) return Instant.ofEpochMilli(millis);
        try {
            return OffsetDateTime.parse(text.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not an ISO-8601 timestamp with offset: " + text);
        }
    }

    /**
     * Epoch milliseconds of a timestamp in exactly the canonical form {@code uuuu-MM-ddTHH:mm:ss.SSSZ} (a valid
     * date, hours 00-23, minutes and seconds 00-59), else {@link #NOT_CANONICAL}: the caller then parses it the
     * general way.
     */
    public static long canonicalMillis(String text) {
        if (text == null || text.length() != CANONICAL_LENGTH || text.charAt(4) != '-' || text.charAt(7) != '-'
                || text.charAt(10) != 'T' || text.charAt(13) != ':' || text.charAt(16) != ':' || text.charAt(19) != '.'
                || text.charAt(23) != 'Z') {
            return NOT_CANONICAL;
        }
        int year = number(text, 0, 4);
        int month = number(text, 5, 2);
        int day = number(text, 8, 2);
        int hour = number(text, 11, 2);
        int minute = number(text, 14, 2);
        int second = number(text, 17, 2);
        int millis = number(text, 20, 3);
        if ((year | month | day | hour | minute | second | millis) < 0 || hour > 23 || minute > 59 || second > 59) {
            return NOT_CANONICAL;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return NOT_CANONICAL; // 31 April and the like: the general parser gives the error
        }
        return epochDay * DAY_MILLIS + hour * 3_600_000L + minute * 60_000L + second * 1000L + millis;
    }

    /** The decimal number in {@code text[from, from + length)}, or -1 when a character is not an ASCII digit. */
    private static int number(String text, int from, int length) {
        int n = 0;
        for (int i = from; i < from + length; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') return -1;
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static void digits(byte[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }
}
