package dev.smallsd.internal.io;

import dev.smallsd.ModelLoadException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CheckpointKeysTest {

    @Test
    void legacyVaeAttentionNamesAreRenamed() {
        assertThat(CheckpointKeys.canonicalName("encoder.mid_block.attentions.0.query.weight"))
                .isEqualTo("encoder.mid_block.attentions.0.to_q.weight");
        assertThat(CheckpointKeys.canonicalName("decoder.mid_block.attentions.0.key.bias"))
                .isEqualTo("decoder.mid_block.attentions.0.to_k.bias");
        assertThat(CheckpointKeys.canonicalName("decoder.mid_block.attentions.0.value.weight"))
                .isEqualTo("decoder.mid_block.attentions.0.to_v.weight");
        assertThat(CheckpointKeys.canonicalName("encoder.mid_block.attentions.0.proj_attn.bias"))
                .isEqualTo("encoder.mid_block.attentions.0.to_out.0.bias");
        assertThat(CheckpointKeys.canonicalName("mid_block.attentions.1.query.weight"))
                .isEqualTo("mid_block.attentions.1.to_q.weight");
        for (String unchanged : List.of("encoder.mid_block.attentions.0.group_norm.weight",
                "encoder.mid_block.attentions.0.to_q.weight",
                "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight",
                "text_model.encoder.layers.0.self_attn.key.weight",
                "encoder.mid_block.attentions.0.query.weight.extra")) {
            assertThat(CheckpointKeys.canonicalName(unchanged)).isEqualTo(unchanged);
        }
    }

    @Test
    void positionIdsAreIgnorable() {
        assertThat(CheckpointKeys.isIgnorable("text_model.embeddings.position_ids")).isTrue();
        assertThat(CheckpointKeys.isIgnorable("vision_model.vision_model.embeddings.position_ids")).isTrue();
        assertThat(CheckpointKeys.isIgnorable("text_model.embeddings.position_embedding.weight")).isFalse();
    }

    @Test
    void indexSkipsIgnorableAndRejectsCollisions() {
        Path f = Path.of("vae.bin");
        assertThat(CheckpointKeys.canonicalIndex(f, List.of("a.position_ids", "mid_block.attentions.0.query.weight",
                "x"))).containsExactly(java.util.Map.entry("mid_block.attentions.0.to_q.weight",
                        "mid_block.attentions.0.query.weight"), java.util.Map.entry("x", "x"));
        assertThatThrownBy(() -> CheckpointKeys.canonicalIndex(f, List.of("mid_block.attentions.0.query.weight",
                "mid_block.attentions.0.to_q.weight")))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("vae.bin")
                .hasMessageContaining("'mid_block.attentions.0.query.weight' and 'mid_block.attentions.0.to_q.weight'");
    }

    @Test
    void strictCheckListsMissingAndUnexpectedInOneError() {
        Path f = Path.of("unet.safetensors");
        CheckpointKeys.requireExactly(f, Set.of("a", "b"), List.of("b", "a"));
        assertThat(CheckpointKeys.compare(Set.of("a", "b", "c"), Set.of("b", "z", "y")))
                .isEqualTo(new CheckpointKeys.Mismatch(List.of("a", "c"), List.of("y", "z")));
        assertThatThrownBy(() -> CheckpointKeys.requireExactly(f, Set.of("conv_in.weight", "conv_in.bias", "t"),
                Set.of("t", "conv_in.wieght", "extra.bias")))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("unet.safetensors")
                .hasMessageContaining("2 missing, 2 unexpected")
                .hasMessageContaining("missing: conv_in.bias, conv_in.weight")
                .hasMessageContaining("unexpected: conv_in.wieght, extra.bias");
    }
}
