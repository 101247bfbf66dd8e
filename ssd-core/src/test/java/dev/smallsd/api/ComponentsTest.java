package dev.smallsd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.smallsd.Components;
import dev.smallsd.GenerationRequest;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.testing.Golden;
import dev.smallsd.internal.text.ClipTextModel;
import dev.smallsd.internal.text.ClipTokenizer;
import dev.smallsd.internal.unet.UNet2DConditionModel;
import dev.smallsd.internal.vae.AutoencoderKL;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * {@code builder().components(...)}: an instance from models built in memory (random weights of the tiny model's
 * architecture here) generates, and the options that read files into a model folder are refused with it instead of
 * being silently ignored.
 */
class ComponentsTest {

    private static SmallStableDiffusion build(NDManager manager,
            UnaryOperator<SmallStableDiffusion.Builder> options) {
        ModelDirectory dir = ModelDirectory.open(Golden.tinyModel());
        Weights w = Weights.random(7, manager);
        Components c = new Components(
                ClipTokenizer.fromFolder(dir.componentDir(ModelDirectory.TOKENIZER)),
                new ClipTextModel(dir.textEncoderConfig(), w.child("text_encoder")),
                new UNet2DConditionModel(dir.unetConfig(), w.child("unet")),
                new AutoencoderKL(dir.vaeConfig(), w.child("vae")), dir.schedulerConfig(), "random-tiny");
        return options.apply(SmallStableDiffusion.builder().components(c).safetyMode(SafetyMode.OFF)).build();
    }

    @Test
    void inMemoryComponentsGenerate() {
        try (NDManager manager = NDManager.newBaseManager();
                SmallStableDiffusion sd = build(manager, b -> b)) {
            var r = sd.generate(GenerationRequest.builder("a cat").size(64, 64).steps(2).seed(1).build());
            assertThat(r.images()).hasSize(1);
            assertThat(r.model()).isEqualTo("random-tiny");
        }
    }

    @Test
    void folderOnlyOptionsAreRefusedWithComponents() {
        Path file = Golden.tinyModel().resolve("unet");
        try (NDManager manager = NDManager.newBaseManager()) {
            for (UnaryOperator<SmallStableDiffusion.Builder> option : List.<UnaryOperator<
                    SmallStableDiffusion.Builder>>of(b -> b.lora(file, 1.0), b -> b.registerLora("x", file),
                    b -> b.textualInversion(file), b -> b.unet(file), b -> b.vae(file))) {
                assertThatThrownBy(() -> build(manager, option)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith("components:");
            }
        }
    }
}
