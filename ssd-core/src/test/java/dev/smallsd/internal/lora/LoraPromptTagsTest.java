package dev.smallsd.internal.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smallsd.LoraUse;
import org.junit.jupiter.api.Test;

class LoraPromptTagsTest {
    @Test
    void tagsAreRemovedAndReturnedInOrder() {
        LoraPromptTags.Result r = LoraPromptTags.extract("a castle <lora:glass:0.8>, night <lora:moody>");
        assertThat(r.prompt()).isEqualTo("a castle , night ");
        assertThat(r.loras()).containsExactly(new LoraUse("glass", 0.8), new LoraUse("moody", 1.0));
    }

    @Test
    void otherExtraNetworksAndPlainTextStay() {
        LoraPromptTags.Result r = LoraPromptTags.extract("<hypernet:x:1> (red:1.2) <lora:a:0.5:0.5>");
        assertThat(r.prompt()).isEqualTo("<hypernet:x:1> (red:1.2) ");
        assertThat(r.loras()).containsExactly(new LoraUse("a", 0.5));
        assertThat(LoraPromptTags.extract("no tags").loras()).isEmpty();
    }

    @Test
    void badWeightsNameThePrompt() {
        assertThatThrownBy(() -> LoraPromptTags.extract("<lora:a:lots>")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("prompt: ").hasMessageContaining("<lora:a:lots>");
        assertThatThrownBy(() -> LoraPromptTags.extract("<lora:a:1:0.5>"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("prompt: ");
    }
}
