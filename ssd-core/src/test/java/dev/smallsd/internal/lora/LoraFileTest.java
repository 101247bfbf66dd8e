package dev.smallsd.internal.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key spellings LoRA files use, and the files that must be refused (naming the file and the first offending keys). */
class LoraFileTest {
    private static final String ATTN = "down_blocks.0.attentions.0.transformer_blocks.0.attn1";

    @TempDir
    Path tmp;
    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private Path write(String name, Map<String, long[]> shapes) throws IOException {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            tensors.put(e.getKey(), manager.ones(new Shape(e.getValue())));
        }
        Path p = tmp.resolve(name);
        SafeTensors.write(p, tensors, Map.of());
        return p;
    }

    @Test
    void olderDiffusersSpellingsMapToTheModules() throws IOException {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("unet." + ATTN + ".processor.to_q_lora.down.weight", new long[] {2, 32});
        s.put("unet." + ATTN + ".processor.to_q_lora.up.weight", new long[] {32, 2});
        s.put("unet." + ATTN + ".processor.to_out_lora.down.weight", new long[] {2, 32});
        s.put("unet." + ATTN + ".processor.to_out_lora.up.weight", new long[] {32, 2});
        s.put("unet." + ATTN + ".to_k.lora.down.weight", new long[] {2, 32});
        s.put("unet." + ATTN + ".to_k.lora.up.weight", new long[] {32, 2});
        s.put("text_encoder.text_model.encoder.layers.0.self_attn.to_v_lora.down.weight", new long[] {2, 32});
        s.put("text_encoder.text_model.encoder.layers.0.self_attn.to_v_lora.up.weight", new long[] {32, 2});
        s.put("text_encoder.text_model.encoder.layers.0.mlp.fc1.lora_linear_layer.down.weight", new long[] {2, 32});
        s.put("text_encoder.text_model.encoder.layers.0.mlp.fc1.lora_linear_layer.up.weight", new long[] {128, 2});
        LoraFile f = LoraFile.read(write("old.safetensors", s), manager);
        assertThat(f.pairs(LoraFile.Component.UNET)).extracting(LoraFile.Pair::module)
                .containsExactly(ATTN + ".to_q", ATTN + ".to_out.0", ATTN + ".to_k");
        assertThat(f.pairs(LoraFile.Component.TEXT_ENCODER)).extracting(LoraFile.Pair::module)
                .containsExactly("text_model.encoder.layers.0.self_attn.v_proj", "text_model.encoder.layers.0.mlp.fc1");
        assertThat(f.pairs(LoraFile.Component.UNET).get(0).alpha()).as("no alpha: alpha = rank").isEqualTo(2.0);
    }

    @Test
    void lyCorisAndConvRanksAreRefusedNamingFileAndKeys() throws IOException {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("lora_unet_down_blocks_0_resnets_0_conv1.hada_w1_a", new long[] {32, 4});
        Path p = write("lycoris.safetensors", s);
        assertThatThrownBy(() -> LoraFile.read(p, manager)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("lycoris.safetensors").hasMessageContaining("hada_w1_a");

        Map<String, long[]> conv = new LinkedHashMap<>();
        conv.put("lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight", new long[] {4, 32, 3, 3});
        conv.put("lora_unet_down_blocks_0_resnets_0_conv1.lora_up.weight", new long[] {32, 4, 1, 1});
        Path c = write("locon.safetensors", conv);
        assertThatThrownBy(() -> LoraFile.read(c, manager)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("locon.safetensors").hasMessageContaining("conv1.lora_down.weight");

        Map<String, long[]> xl = new LinkedHashMap<>();
        xl.put("lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", new long[] {4, 32});
        Path x = write("sdxl.safetensors", xl);
        assertThatThrownBy(() -> LoraFile.read(x, manager)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("sdxl.safetensors").hasMessageContaining("lora_te2_");

        Map<String, long[]> half = new LinkedHashMap<>();
        half.put("unet." + ATTN + ".to_q.lora_A.weight", new long[] {4, 32});
        Path h = write("half.safetensors", half);
        assertThatThrownBy(() -> LoraFile.read(h, manager)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("half.safetensors").hasMessageContaining("no up/lora_B");
    }

    @Test
    void modulesTheModelLacksOrShapesThatDoNotFitFailTheBuild() throws IOException {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("lora_unet_down_blocks_9_attentions_0_proj_in.lora_down.weight", new long[] {4, 32});
        s.put("lora_unet_down_blocks_9_attentions_0_proj_in.lora_up.weight", new long[] {32, 4});
        Path missing = write("other-arch.safetensors", s);
        assertThatThrownBy(() -> SmallStableDiffusion.builder().modelPath(Golden.tinyModel()).lora(missing, 1.0)
                .disableSafetyChecker().build()).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("other-arch.safetensors")
                .hasMessageContaining("lora_unet_down_blocks_9_attentions_0_proj_in");

        Map<String, long[]> w = new LinkedHashMap<>();
        w.put("unet." + ATTN + ".to_q.lora_A.weight", new long[] {4, 48});
        w.put("unet." + ATTN + ".to_q.lora_B.weight", new long[] {32, 4});
        Path wrong = write("wrong-width.safetensors", w);
        assertThatThrownBy(() -> SmallStableDiffusion.builder().modelPath(Golden.tinyModel())
                .registerLora("w", wrong).disableSafetyChecker().build()).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("wrong-width.safetensors").hasMessageContaining(ATTN + ".to_q.lora_A.weight");
    }

    @Test
    void aRequestNamingAnUnregisteredLoraIsRefused() {
        try (SmallStableDiffusion sd = SmallStableDiffusion.builder().modelPath(Golden.tinyModel())
                .disableSafetyChecker().build()) {
            assertThatThrownBy(() -> sd.generate(dev.smallsd.GenerationRequest.builder("x").steps(1).size(64, 64)
                    .lora("nope", 1.0).build())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("lora: ").hasMessageContaining("nope");
        }
    }
}
