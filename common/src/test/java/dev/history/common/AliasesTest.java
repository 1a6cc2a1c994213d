package dev.history.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AliasesTest {
    @Test
    void anEmailWithASpaceMatchesTheSameAddressWithAPlus() {
        assertThat(Aliases.key(Aliases.EMAIL, "Ann Smith@Example.com")).isEqualTo("email:ann+smith@example.com");
        assertThat(Aliases.key(Aliases.EMAIL, "ann+smith@example.com")).isEqualTo("email:ann+smith@example.com");
        assertThat(Aliases.key(Aliases.EMAIL, "  ann@example.com ")).isEqualTo("email:ann@example.com");
    }

    @Test
    void phonesMatchWithOrWithoutPlusAndPunctuation() {
        assertThat(Aliases.key(Aliases.ANI, "+44 (20) 7946-0001")).isEqualTo(Aliases.key(Aliases.ANI, "442079460001"));
        assertThat(Aliases.key(Aliases.EMAIL, "   ")).isNull();
    }
}
