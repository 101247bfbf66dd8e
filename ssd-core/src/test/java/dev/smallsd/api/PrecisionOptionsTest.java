package dev.smallsd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.smallsd.Components;
import dev.smallsd.GenerationRequest;
import dev.smallsd.Precision;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.nn.KernelFallback;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.internal.text.ClipTextModel;
import dev.smallsd.internal.text.ClipTokenizer;
import dev.smallsd.internal.unet.UNet2DConditionModel;
import dev.smallsd.internal.vae.AutoencoderKL;
import dev.smallsd.testing.FeatureCase;
import dev.smallsd.testing.Golden;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code builder().precision(...)}: in-memory components run in the precision their networks were built in, a
 * precision that contradicts them is refused, and BF16 is refused clearly with per-request LoRAs and without
 * libtorch's kernel module. The bf16 images themselves are compared in {@code Bf16PipelineTest}.
 */
class PrecisionOptionsTest {

    private static Components components(NDManager manager, Precision precision) {
        ModelDirectory dir = ModelDirectory.open(Golden.tinyModel());
        Weights w = Weights.random(7, manager);
        return new Components(ClipTokenizer.fromFolder(dir.componentDir(ModelDirectory.TOKENIZER)),
                new ClipTextModel(dir.textEncoderConfig(), w.child("text_encoder")),
                new UNet2DConditionModel(dir.unetConfig(), w.child("unet").withPrecision(precision)),
                new AutoencoderKL(dir.vaeConfig(), w.child("vae").withPrecision(precision)), dir.schedulerConfig(),
                "random-tiny");
    }

    @Test
    void bf16ComponentsGenerateAndAContradictingPrecisionIsRefused() {
        try (NDManager manager = NDManager.newBaseManager()) {
            try (SmallStableDiffusion sd = SmallStableDiffusion.builder()
                    .components(components(manager, Precision.BF16)).precision(Precision.BF16)
                    .safetyMode(SafetyMode.OFF).build()) {
                var r = sd.generate(GenerationRequest.builder("a cat").size(64, 64).steps(2).seed(1).build());
                assertThat(r.images()).hasSize(1);
            }
            assertThatThrownBy(() -> SmallStableDiffusion.builder().components(components(manager, Precision.FP32))
                    .precision(Precision.BF16).safetyMode(SafetyMode.OFF).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("precision: BF16")
                    .hasMessageContaining("UNet holds FP32");
        }
    }

    @Test
    void bf16WithPerRequestLorasIsRefusedBeforeLoading() {
        Path lora = FeatureCase.all().stream().filter(c -> c.kind().equals("lora") && c.seeded()).findFirst()
                .orElseThrow().loraFiles().get(0);
        assertThatThrownBy(() -> SmallStableDiffusion.builder().modelPath(Golden.tinyModel())
                .safetyMode(SafetyMode.OFF).registerLora("style", lora).precision(Precision.BF16).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("registerLora:")
                .hasMessageContaining("lora(path, scale)");
    }

    @Test
    void bf16WithoutTheKernelModuleFailsTheBuildClearly() {
        assertThatThrownBy(() -> KernelFallback.run(() -> SmallStableDiffusion.builder()
                .modelPath(Golden.tinyModel()).safetyMode(SafetyMode.OFF).precision(Precision.BF16).build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("precision BF16 needs libtorch's TorchScript kernel module");
    }
}
