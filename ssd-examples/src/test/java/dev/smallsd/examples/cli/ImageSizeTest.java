package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ImageSizeTest {
    @Test
    void parsesWidthByHeight() {
        assertThat(ImageSize.parse("512x512")).isEqualTo(new ImageSize(512, 512));
        assertThat(ImageSize.parse("128X64")).isEqualTo(new ImageSize(128, 64));
        assertThat(ImageSize.parse(" 64 x 8 ")).isEqualTo(new ImageSize(64, 8));
        assertThat(new ImageSize(768, 512)).hasToString("768x512");
    }

    @ParameterizedTest
    @ValueSource(strings = {"100x7", "0x64", "64x0", "63x64", "64x65"})
    void rejectsSidesThatAreNotPositiveMultiplesOf8(String text) {
        assertThatThrownBy(() -> ImageSize.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive multiples of 8");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "512", "512x", "x512", "-64x64", "64x64x64", "axb", "64*64"})
    void rejectsOtherForms(String text) {
        assertThatThrownBy(() -> ImageSize.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("WIDTHxHEIGHT");
    }
}
