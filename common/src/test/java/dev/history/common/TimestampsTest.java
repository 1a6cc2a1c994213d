package dev.history.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-written canonical codec must agree with java.time everywhere, and leave every other form to it. */
class TimestampsTest {
    private static final DateTimeFormatter REFERENCE =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final long YEAR_0 = -62_167_219_200_000L;
    private static final long YEAR_10000 = 253_402_300_800_000L;

    @Test
    void formatAndParseAgreeWithJavaTimeOverYears0To9999() {
        SplittableRandom random = new SplittableRandom(14);
        for (int i = 0; i < 200_000; i++) {
            long millis = random.nextLong(YEAR_0, YEAR_10000);
            Instant instant = Instant.ofEpochMilli(millis).plusNanos(random.nextInt(1_000_000)); // sub-ms digits are cut
            String text = Timestamps.format(instant);
            assertThat(text).isEqualTo(REFERENCE.format(instant));
            assertThat(Timestamps.canonicalMillis(text)).isEqualTo(millis);
            assertThat(Timestamps.parse(text)).isEqualTo(OffsetDateTime.parse(text).toInstant());
        }
    }

    @Test
    void edgesOfTheCanonicalRange() {
        for (String text : new String[] {"0000-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00.000Z",
                "2024-02-29T12:34:56.789Z", "9999-12-31T23:59:59.999Z"}) {
            assertThat(Timestamps.canonicalMillis(text)).as(text).isEqualTo(OffsetDateTime.parse(text).toInstant().toEpochMilli());
            assertThat(Timestamps.format(Timestamps.parse(text))).isEqualTo(text);
        }
        assertThat(Timestamps.format(Instant.ofEpochMilli(YEAR_10000))).isEqualTo(REFERENCE.format(Instant.ofEpochMilli(YEAR_10000)));
        assertThat(Timestamps.format(Instant.ofEpochMilli(YEAR_0 - 1))).isEqualTo(REFERENCE.format(Instant.ofEpochMilli(YEAR_0 - 1)));
    }

    @Test
    void otherFormsGoToTheGeneralParserWithTheSameMeaning() {
        for (String text : new String[] {"2026-01-31T12:00:00Z", "2026-01-31T12:00:00.5Z", "2026-01-31T14:00:00.000+02:00",
                " 2026-01-31T12:00:00.000Z ", "2026-01-31T12:00:00.123456Z"}) {
            assertThat(Timestamps.canonicalMillis(text)).as(text).isEqualTo(Timestamps.NOT_CANONICAL);
            assertThat(Timestamps.parse(text)).as(text).isEqualTo(OffsetDateTime.parse(text.trim()).toInstant());
        }
    }

    @Test
    void invalidTextsAreRefusedAsBefore() {
        for (String text : new String[] {"2026-02-30T12:00:00.000Z", "2026-13-01T12:00:00.000Z", "2026-01-31T24:00:00.000Z",
                "2026-01-31T12:60:00.000Z", "2026-01-31T12:00:61.000Z", "2026-01-3aT12:00:00.000Z", "2026-01-31 12:00:00.000Z",
                "2026-01-31T12:00:00.000", "yesterday", ""}) {
            assertThat(Timestamps.canonicalMillis(text)).as(text).isEqualTo(Timestamps.NOT_CANONICAL);
            assertThatThrownBy(() -> Timestamps.parse(text)).as(text).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
