package dev.smallsd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import com.google.gson.JsonObject;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.ModelLoadException;
import dev.smallsd.PreviewMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.StepProgress;
import dev.smallsd.internal.pipeline.InternalAccess;
import dev.smallsd.internal.pipeline.PipelineHooks;
import dev.smallsd.internal.vae.Autoencoder;
import dev.smallsd.internal.vae.Autoencoders;
import dev.smallsd.testing.ApproxPreviewByHand;
import dev.smallsd.testing.FeatureCase;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.ManagerPerClass;
import dev.smallsd.testing.PngLevels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live previews ({@link PreviewMode}) on the tiny pipeline with the model's own VAE and the tiny autoencoder of every
 * seeded {@code taesd} case of {@code golden/features/} as {@code previewVae}: the last call's {@code TINY} preview is
 * the tiny decoder's image of the final latents (and so the case's golden image, which diffusers decoded with that
 * autoencoder), the {@code APPROX} preview is AUTOMATIC1111's linear map of those latents, and the final images are
 * bit-for-bit the same in every mode and without previews.
 */
class LivePreviewsTest extends ManagerPerClass {
    @TestFactory
    Stream<DynamicTest> previewVaeCases() {
        List<FeatureCase> cases = FeatureCase.all().stream()
                .filter(c -> "taesd".equals(c.kind()) && c.seeded() && c.entry().has("vae")).toList();
        assertThat(cases).as("seeded taesd cases with a 'vae' in the features manifest").isNotEmpty();
        return cases.stream().map(c -> DynamicTest.dynamicTest(c + " as previewVae", () -> checkPreviews(c)));
    }

    private void checkPreviews(FeatureCase c) throws IOException {
        JsonObject modelVae = c.entry().deepCopy();
        modelVae.remove("vae"); // the model's own VAE makes the final images; the case's autoencoder only previews
        SmallStableDiffusion.Builder b = new FeatureCase(c.name(), c.kind(), modelVae).builder()
                .previewVae(c.path("vae")).disableSafetyChecker(); // a checker would only black out flagged previews
        try (SmallStableDiffusion sd = b.build(); NDManager m = manager.newSubManager()) {
            List<StepProgress> calls = new ArrayList<>();
            Observed off = run(sd, c.request().progress(calls::add).build(), m);
            int total = calls.get(0).totalModelCalls();
            for (PreviewMode mode : PreviewMode.values()) {
                List<StepProgress> seen = new ArrayList<>();
                // TINY: every call (the cheap one); the others only on the last call
                int every = mode == PreviewMode.TINY ? 1 : total;
                Observed on = run(sd, c.request().progress(seen::add, every, mode).build(), m);
                String label = c.name() + " " + mode;
                assertThat(on.latents.sub(off.latents).abs().max().getFloat()).as(label + ": final latents").isZero();
                assertThat(on.decoded.sub(off.decoded).abs().max().getFloat()).as(label + ": decoded floats")
                        .isZero();
                for (int i = 0; i < off.result.images().size(); i++) {
                    assertThat(PngLevels.maxLevelDiff(on.result.images().get(i), off.result.images().get(i)))
                            .as(label + ": image " + i).isZero();
                }
                assertThat(seen).as(label + ": every call reported").hasSize(total);
                for (StepProgress p : seen) {
                    assertThat(p.previews()).as(label + " call " + p.modelCall())
                            .hasSize(p.modelCall() % every == 0 ? off.result.images().size() : 0)
                            .allSatisfy(img -> assertThat(img.getWidth() + "x" + img.getHeight()).isEqualTo(
                                    off.result.image().getWidth() + "x" + off.result.image().getHeight()));
                }
                List<BufferedImage> last = seen.get(seen.size() - 1).previews();
                switch (mode) {
                    case TINY, AUTO -> checkTiny(c, label, last, on.latents, m);
                    case APPROX -> checkApprox(label, last, on.latents);
                    case FULL -> {
                        for (int i = 0; i < last.size(); i++) {
                            assertThat(PngLevels.maxLevelDiff(last.get(i), off.result.images().get(i)))
                                    .as(label + ": the last FULL preview is the result").isZero();
                        }
                    }
                    default -> throw new AssertionError(mode);
                }
            }
        }
    }

    /** The last preview against the case's autoencoder decoding the final latents, and against the golden PNG. */
    private static void checkTiny(FeatureCase c, String label, List<BufferedImage> last, NDArray latents,
            NDManager m) throws IOException {
        Autoencoder tiny = Autoencoders.load(c.path("vae"), null, w -> { }, m);
        NDArray expected = tiny.decode(latents.div((float) tiny.scalingFactor())).div(2).add(0.5f).clip(0, 1)
                .transpose(0, 2, 3, 1); // NHWC
        int worst = 0;
        for (int i = 0; i < last.size(); i++) {
            worst = Math.max(worst, maxLevelDiff(last.get(i), expected.get(i).toFloatArray()));
        }
        System.out.printf("%s: last preview vs the tiny decoder's image of the final latents: max level "
                + "difference %d%n", label, worst);
        assertThat(worst).as(label + ": preview = round(255 · tiny decode of the final latents)").isZero();
        BufferedImage golden = ImageIO.read(FeatureCase.dir().resolve(c.name() + ".png").toFile());
        int levels = PngLevels.maxLevelDiff(last.get(0), golden);
        System.out.printf("%s: last preview vs %s.png: max level difference %d (bound %d)%n", label, c.name(),
                levels, c.pngMaxLevelDiff());
        assertThat(levels).as(label + ": the last preview is the golden image decoded with that autoencoder")
                .isLessThanOrEqualTo(c.pngMaxLevelDiff());
    }

    /** The last preview against A1111's map of the final latents, computed here position by position. */
    private static void checkApprox(String label, List<BufferedImage> last, NDArray latents) {
        long[] s = latents.getShape().getShape(); // [N, 4, h, w]
        float[] z = latents.toFloatArray();
        int h = (int) s[2];
        int w = (int) s[3];
        int f = last.get(0).getWidth() / w;
        assertThat(last.get(0).getHeight()).isEqualTo(h * f);
        int worst = 0;
        for (int n = 0; n < last.size(); n++) {
            for (int y = 0; y < h * f; y++) {
                for (int x = 0; x < w * f; x++) {
                    int rgb = last.get(n).getRGB(x, y);
                    float[] channels = new float[4];
                    for (int l = 0; l < 4; l++) {
                        channels[l] = z[((n * 4 + l) * h + y / f) * w + x / f];
                    }
                    for (int colour = 0; colour < 3; colour++) {
                        double v = ApproxPreviewByHand.rgb(channels, colour);
                        long level = Math.round(Math.max(0, Math.min(1, v / 2 + 0.5)) * 255);
                        int actual = rgb >> (16 - 8 * colour) & 0xFF;
                        worst = (int) Math.max(worst, Math.abs(actual - level));
                    }
                }
            }
        }
        System.out.printf("%s: last preview vs A1111's map of the final latents: max level difference %d%n", label,
                worst);
        assertThat(worst).as(label + ": approximate preview by hand (rounding of float sums only)")
                .isLessThanOrEqualTo(1);
    }

    @Test
    void withoutATinyDecoderAutoIsTheApproximationAndTinyIsRejectedNamingTheParameter() {
        try (SmallStableDiffusion sd = SmallStableDiffusion.builder().modelPath(Golden.tinyModel())
                .disableSafetyChecker().build()) {
            GenerationRequest.Builder r = GenerationRequest.builder("a red bicycle").size(64, 64).steps(2).seed(3);
            List<StepProgress> auto = new ArrayList<>();
            List<StepProgress> approx = new ArrayList<>();
            sd.generate(r.progress(auto::add, 1).build());
            sd.generate(r.progress(approx::add, 1, PreviewMode.APPROX).build());
            assertThat(auto).hasSameSizeAs(approx);
            for (int i = 0; i < auto.size(); i++) {
                assertThat(PngLevels.maxLevelDiff(auto.get(i).preview().orElseThrow(),
                        approx.get(i).preview().orElseThrow())).as("call " + (i + 1)).isZero();
            }
            GenerationRequest tiny = r.progress(p -> { }, 1, PreviewMode.TINY).build();
            assertThatThrownBy(() -> sd.validate(tiny)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("previewMode: TINY").hasMessageContaining("previewVae");
            assertThatThrownBy(() -> sd.generate(tiny)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("previewMode: TINY");
            sd.validate(r.progress(p -> { }, 0, PreviewMode.TINY).build()); // no previews asked for: nothing to check
        }
    }

    @Test
    void aBadPreviewVaeFolderFailsTheBuildNamingTheFile(@TempDir Path tmp) throws IOException {
        Path taesd = taesdFolder();
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> SmallStableDiffusion.builder().modelPath(Golden.tinyModel()).previewVae(empty)
                .disableSafetyChecker().build()).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(empty.resolve("config.json").toString());

        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Files.copy(taesd.resolve("config.json"), broken.resolve("config.json"));
        Path weights = broken.resolve("diffusion_pytorch_model.safetensors");
        Files.write(weights, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SmallStableDiffusion.builder().modelPath(Golden.tinyModel()).previewVae(broken)
                .disableSafetyChecker().build()).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(weights.toString());
    }

    private static Path taesdFolder() {
        return FeatureCase.all().stream().filter(c -> "taesd".equals(c.kind()) && c.entry().has("vae")).findFirst()
                .orElseThrow(() -> new AssertionError("no taesd case with a 'vae' in the features manifest"))
                .path("vae");
    }

    /**
     * @return the largest difference between the image's levels and {@code round(255·x)} (numpy's half-to-even, as
     *     diffusers' {@code numpy_to_pil}), {@code expected} being HWC in [0, 1]
     */
    private static int maxLevelDiff(BufferedImage img, float[] expected) {
        int worst = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                for (int colour = 0; colour < 3; colour++) {
                    int level = rgb >> (16 - 8 * colour) & 0xFF;
                    int want = (int) Math.rint(expected[(y * img.getWidth() + x) * 3 + colour] * 255f);
                    worst = Math.max(worst, Math.abs(level - want));
                }
            }
        }
        return worst;
    }

    /** A run's result with copies of its final latents and decoded floats. */
    private record Observed(GenerationResult result, NDArray latents, NDArray decoded) {}

    private static Observed run(SmallStableDiffusion sd, GenerationRequest request, NDManager m) {
        NDArray[] kept = new NDArray[2];
        PipelineHooks.Observer observer = new PipelineHooks.Observer() {
            @Override
            public void onStepLatents(int step, NDArray latents) {
                kept[0] = copy(latents);
            }

            @Override
            public void onDecoded(NDArray imagesNhwc) {
                kept[1] = copy(imagesNhwc);
            }

            private NDArray copy(NDArray x) {
                NDArray c = m.create(x.toFloatArray(), x.getShape());
                NDScope.unregister(c); // created inside the run's scope: keep it after the run
                return c;
            }
        };
        GenerationResult r = InternalAccess.engine(sd).run(request, new PipelineHooks(null, observer), () -> false);
        return new Observed(r, kept[0], kept[1]);
    }
}
