package dev.history.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.history.common.EventRules.FieldError;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one definition of a valid history event, rule by rule, with the sentences clients see. */
class EventRulesTest {
    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00.123456Z");
    private static final EventRules RULES = new EventRules(SourceRegistry.defaults());

    private static EventRules.Result check(EventRules rules, String... pairs) {
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) fields.put(pairs[i], pairs[i + 1]);
        return rules.check(fields, NOW, username -> "generated-for-" + username);
    }

    private static EventRules.Result check(String... pairs) {
        return check(RULES, pairs);
    }

    private static FieldError only(EventRules.Result result) {
        assertThat(result.valid()).isFalse();
        assertThat(result.event()).isNull();
        assertThat(result.errors()).hasSize(1);
        return result.errors().get(0);
    }

    @Test
    void aMinimalEventGetsEveryDefault() {
        EventRules.Result result = check("username", "  alice  ", "source", "IVR");
        assertThat(result.valid()).isTrue();
        assertThat(result.username()).isEqualTo("alice");
        assertThat(result.event()).isEqualTo(new HistoryEvent("generated-for-alice", "2026-12-07T10:00:00.123Z", "", 1,
                "voice", "ivr", "", ""));
        HistoryCommand command = result.command("test");
        assertThat(command.username()).isEqualTo("alice");
        assertThat(command.event()).isEqualTo(result.event());
    }

    @Test
    void everyFieldIsKeptAsGiven() {
        EventRules.Result result = check("username", "bob", "source", "sms", "channel", "Voice", "parent", "p-1",
                "id", "client.id:7@x-y_z", "timestamp", "2026-01-31T13:00:00+01:00", "level", "2", "note", "n", "link", "l");
        assertThat(result.event()).isEqualTo(new HistoryEvent("client.id:7@x-y_z", "2026-01-31T12:00:00.000Z", "p-1", 2,
                "voice", "sms", "n", "l"));
    }

    @Test
    void usernameIsRequiredTrimmedAndAtMost256() {
        assertThat(only(check("source", "ivr"))).isEqualTo(new FieldError("username", "username is required"));
        assertThat(only(check("username", "", "source", "ivr"))).isEqualTo(new FieldError("username", "username is required"));
        assertThat(only(check("username", " \t", "source", "ivr"))).isEqualTo(new FieldError("username", "username is required"));
        assertThat(only(check("username", "\u0001", "source", "ivr"))).isEqualTo(new FieldError("username", "username is required"));
        assertThat(check("username", " " + "u".repeat(256) + " ", "source", "ivr").username()).isEqualTo("u".repeat(256));
        assertThat(only(check("username", "u".repeat(257), "source", "ivr")))
                .isEqualTo(new FieldError("username", "username is longer than 256 characters"));
        assertThat(RULES.checkUsername(" ann ").username()).isEqualTo("ann");
        assertThat(RULES.checkUsername(null).errors()).containsExactly(new FieldError("username", "username is required"));
        assertThat(RULES.checkUsername("u".repeat(257)).errors())
                .containsExactly(new FieldError("username", "username is longer than 256 characters"));
    }

    @Test
    void sourceIsRequiredAndRegistered() {
        assertThat(only(check("username", "u"))).isEqualTo(new FieldError("source", "source is required"));
        assertThat(only(check("username", "u", "source", "  "))).isEqualTo(new FieldError("source", "source is required"));
        assertThat(only(check("username", "u", "source", "Fax"))).isEqualTo(new FieldError("source",
                "unknown source 'fax'; known: agent, bot, cobrowse, df, email, facebook, ivr, sms, video, web, webchat, whatsapp"));
    }

    @Test
    void channelIsVoiceOrDigitalAndDefaultsPerSource() {
        assertThat(check("username", "u", "source", "ivr").event().channel()).isEqualTo("voice");
        assertThat(check("username", "u", "source", "agent").event().channel()).isEqualTo("voice");
        assertThat(check("username", "u", "source", "whatsapp").event().channel()).isEqualTo("digital");
        assertThat(check("username", "u", "source", "email").event().channel()).isEqualTo("digital");
        assertThat(check("username", "u", "source", "ivr", "channel", "DIGITAL").event().channel()).isEqualTo("digital");
        assertThat(only(check("username", "u", "source", "ivr", "channel", "sms")))
                .isEqualTo(new FieldError("channel", "channel must be 'voice' or 'digital'"));
        assertThat(only(check("username", "u", "source", "ivr", "channel", "v".repeat(33))))
                .isEqualTo(new FieldError("channel", "channel is longer than 32 characters"));
    }

    @Test
    void levelIsOneOrTwoAndMayBeAString() {
        assertThat(check("username", "u", "source", "ivr").event().level()).isEqualTo(1);
        assertThat(check("username", "u", "source", "ivr", "level", "1").event().level()).isEqualTo(1);
        assertThat(check("username", "u", "source", "ivr", "level", " 2 ").event().level()).isEqualTo(2);
        assertThat(check("username", "u", "source", "ivr", "level", "2.0").event().level()).isEqualTo(2);
        for (String bad : List.of("0", "3", "1.5", "two", "-1")) {
            assertThat(only(check("username", "u", "source", "ivr", "level", bad)))
                    .as(bad).isEqualTo(new FieldError("level", "level must be 1 or 2"));
        }
    }

    @Test
    void parentIdNoteAndLinkHaveTheirLimits() {
        assertThat(check("username", "u", "source", "ivr", "parent", "p".repeat(128)).valid()).isTrue();
        assertThat(only(check("username", "u", "source", "ivr", "parent", "p".repeat(129))))
                .isEqualTo(new FieldError("parent", "parent is longer than 128 characters"));
        assertThat(check("username", "u", "source", "ivr", "note", "n".repeat(8000)).valid()).isTrue();
        assertThat(only(check("username", "u", "source", "ivr", "note", "n".repeat(8001))))
                .isEqualTo(new FieldError("note", "note is longer than 8000 characters"));
        assertThat(check("username", "u", "source", "ivr", "link", "l".repeat(2048)).valid()).isTrue();
        assertThat(only(check("username", "u", "source", "ivr", "link", "l".repeat(2049))))
                .isEqualTo(new FieldError("link", "link is longer than 2048 characters"));
        assertThat(check("username", "u", "source", "ivr", "id", "i".repeat(128)).event().id()).isEqualTo("i".repeat(128));
        for (String bad : List.of("i".repeat(129), "a b", "a/b", "é")) {
            assertThat(only(check("username", "u", "source", "ivr", "id", bad)))
                    .as(bad).isEqualTo(new FieldError("id", "id must be 1-128 characters of letters, digits and . _ : @ -"));
        }
    }

    @Test
    void timestampsNeedAnOffsetAndComeBackAsUtcMillis() {
        assertThat(check("username", "u", "source", "ivr", "timestamp", "2026-01-31T12:00:00.5Z").event().timestamp())
                .isEqualTo("2026-01-31T12:00:00.500Z");
        for (String bad : List.of("2026-01-31T12:00:00", "yesterday", "2026-01-31")) {
            assertThat(only(check("username", "u", "source", "ivr", "timestamp", bad))).as(bad).isEqualTo(new FieldError(
                    "timestamp", "timestamp must be ISO-8601 with an offset, e.g. 2026-01-31T12:00:00Z"));
        }
    }

    @Test
    void everyErrorIsListedInFieldOrder() {
        EventRules.Result result = check("username", "u".repeat(300), "source", "nope", "channel", "x", "level", "9",
                "link", "l".repeat(3000), "id", "a b");
        assertThat(result.errors()).extracting(FieldError::field)
                .containsExactly("username", "source", "channel", "id", "level", "link");
        assertThat(EventRules.FIELDS).containsExactly("username", "source", "channel", "parent", "id", "timestamp",
                "level", "note", "link");
        assertThatThrownBy(() -> result.command("test")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aCustomRegistryAndLimitsReplaceTheDefaults() {
        SourceRegistry registry = SourceRegistry.from(Env.of(Map.of("HISTORY_SOURCES", " Kiosk=Voice, ivr , portal=digital")));
        assertThat(registry.codes()).containsExactly("ivr", "kiosk", "portal");
        EventRules rules = new EventRules(registry, new EventRules.Limits(8, 10, 12));
        assertThat(check(rules, "username", "u", "source", "kiosk").event().channel()).isEqualTo("voice");
        assertThat(check(rules, "username", "u", "source", "ivr").event().channel()).isEqualTo("digital");
        assertThat(only(check(rules, "username", "u", "source", "agent")))
                .isEqualTo(new FieldError("source", "unknown source 'agent'; known: ivr, kiosk, portal"));
        assertThat(only(check(rules, "username", "u".repeat(9), "source", "ivr")))
                .isEqualTo(new FieldError("username", "username is longer than 8 characters"));
        assertThat(only(check(rules, "username", "u", "source", "ivr", "note", "n".repeat(11))))
                .isEqualTo(new FieldError("note", "note is longer than 10 characters"));
        assertThat(only(check(rules, "username", "u", "source", "ivr", "link", "l".repeat(13))))
                .isEqualTo(new FieldError("link", "link is longer than 12 characters"));
    }

    @Test
    void theRegistryRefusesABadEntryNamingTheVariable() {
        assertThatThrownBy(() -> SourceRegistry.from(Env.of(Map.of("HISTORY_SOURCES", "ivr=voice,sms=fax"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("HISTORY_SOURCES entry 'sms=fax' must be code=voice|digital");
        assertThatThrownBy(() -> SourceRegistry.from(Env.of(Map.of("HISTORY_SOURCES", "=voice"))))
                .hasMessage("HISTORY_SOURCES entry '=voice' must be code=voice|digital");
        assertThat(SourceRegistry.from(Env.of(Map.of())).codes()).hasSize(12);
    }
}
