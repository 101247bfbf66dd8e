package dev.smallsd.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.LoraUse;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.lora.LoraFile;
import dev.smallsd.internal.lora.LoraSet;
import dev.smallsd.internal.nn.LowRankAdapters;
import dev.smallsd.internal.pipeline.PipelineHooks;
import dev.smallsd.testing.FeatureCase;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.ManagerPerClass;
import dev.smallsd.testing.Tolerance;
import dev.smallsd.internal.text.ClipTextModel;
import dev.smallsd.internal.unet.UNet2DConditionModel;
import dev.smallsd.internal.vae.AutoencoderTiny;
import dev.smallsd.internal.vae.Autoencoders;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every {@code inpaint}, {@code lora} and {@code taesd} case of {@code golden/features/MANIFEST.json}, each a named
 * dynamic test with everything read from the manifest:
 * <ul>
 *   <li>seeded cases through the public API ({@link SmallStableDiffusion#generate}: PNG within
 *       {@code png_max_level_diff}) and the same request observed ({@link PipelineHooks}: float images within
 *       {@code images_atol}). Core has no safety checker on its class path; ssd-safety replays these cases with it.
 *       A seeded LoRA case runs twice: fused at build and per request;</li>
 *   <li>{@code lora} component cases: UNet and text encoder outputs with each LoRA file, fused and per request;</li>
 *   <li>{@code taesd} component cases: {@code decode(z)} and {@code encode(image)}.</li>
 * </ul>
 */
class FeaturesGoldenTest extends ManagerPerClass {

    @TestFactory
    Stream<DynamicNode> featureCases() {
        List<DynamicNode> tests = new ArrayList<>();
        for (FeatureCase c : FeatureCase.all()) {
            if (c.seeded()) {
                tests.add(DynamicTest.dynamicTest(c.toString(), () -> checkSeeded(c, false)));
                if ("lora".equals(c.kind())) {
                    tests.add(DynamicTest.dynamicTest(c + " per request", () -> checkSeeded(c, true)));
                }
            } else if (!c.entry().has("file")) {
                tests.add(DynamicTest.dynamicTest(c.toString(), () -> fail(c.name()
                        + ": a case without 'mode' needs a 'file' of component outputs")));
            } else if ("lora".equals(c.kind())) {
                for (Path file : c.loraFiles()) {
                    for (boolean perRequest : new boolean[] {false, true}) {
                        tests.add(DynamicTest.dynamicTest(c + " " + file.getFileName() + (perRequest ? " per request"
                                : " fused"), () -> checkLoraComponents(c, file, perRequest)));
                    }
                }
            } else if ("taesd".equals(c.kind())) {
                tests.add(DynamicTest.dynamicTest(c.toString(), () -> checkTaesdComponents(c)));
            } else {
                tests.add(DynamicTest.dynamicTest(c.toString(), () -> fail(c.name() + ": a '" + c.kind()
                        + "' case without 'mode' is not a known shape")));
            }
        }
        assertThat(tests).as("inpaint/lora/taesd cases in the features manifest").isNotEmpty();
        return tests.stream();
    }

    private void checkSeeded(FeatureCase c, boolean perRequest) throws IOException {
        FeatureCase.Run r = c.run(perRequest, b -> b, manager);
        // no checker in core: images the reference flagged (blacked out there) are left to ssd-safety's replay
        c.assertMatchesGolden(r.result(), r.decoded(), true, c.name() + (perRequest ? " (per-request LoRA)" : ""),
                manager);
    }

    private static Tolerance tolerance(FeatureCase c) {
        com.google.gson.JsonObject t = c.entry().getAsJsonObject("tolerance");
        return Tolerance.scaledByMax(t.get("atol").getAsDouble(), t.get("rtol").getAsDouble());
    }

    private void checkLoraComponents(FeatureCase c, Path file, boolean perRequest) {
        Tolerance tol = tolerance(c);
        double scale = c.loraScale();
        try (NDManager m = manager.newSubManager();
                SafeTensorsFile g = SafeTensors.open(FeatureCase.dir().resolve(c.entry().get("file").getAsString()))) {
            ModelDirectory dir = ModelDirectory.open(Golden.tinyModel());
            LoraSet set = perRequest ? LoraSet.load(List.of(), Map.of(FeatureCase.REQUEST_LORA, file), m)
                    : LoraSet.load(List.of(new LoraFile.Use(file, scale)), Map.of(), m);
            UNet2DConditionModel unet;
            try (TensorFile f = set.wrap(LoraFile.Component.UNET,
                    dir.openWeights(ModelDirectory.UNET, null, w -> {}))) {
                unet = UNet2DConditionModel.load(dir.unetConfig(), f, m);
            }
            ClipTextModel text;
            try (TensorFile f = set.wrap(LoraFile.Component.TEXT_ENCODER,
                    dir.openWeights(ModelDirectory.TEXT_ENCODER, null, w -> {}))) {
                text = ClipTextModel.load(dir.textEncoderConfig(), f, m);
            }
            set.finish();
            NDArray sample = g.load("sample", m);
            NDArray timesteps = g.load("timesteps", m);
            NDArray states = g.load("encoder_hidden_states", m);
            NDArray ids = g.load("input_ids", m);
            Supplier<NDArray> unetOut = () -> unet.forward(sample, timesteps, states);
            Supplier<NDArray> textOut = () -> text.encode(ids);
            NDArray u;
            NDArray t;
            if (perRequest) {
                var adapters = set.registered().adapters(List.of(new LoraUse(FeatureCase.REQUEST_LORA, scale)));
                u = LowRankAdapters.with(adapters, unetOut);
                t = LowRankAdapters.with(adapters, textOut);
                // the shared weights are untouched: without the request's adapters the plain models come out
                Golden.assertClose(c.name() + " unet_output_without_lora", unetOut.get(),
                        g.load("unet_output_without_lora", m), tol);
                Golden.assertClose(c.name() + " text_output_without_lora", textOut.get(),
                        g.load("text_output_without_lora", m), tol);
            } else {
                u = unetOut.get();
                t = textOut.get();
            }
            report(c, file, perRequest, "unet_output", u, g.load("unet_output", m),
                    g.load("unet_output_without_lora", m), tol);
            report(c, file, perRequest, "text_output", t, g.load("text_output", m),
                    g.load("text_output_without_lora", m), tol);
        }
    }

    private static void report(FeatureCase c, Path file, boolean perRequest, String what, NDArray actual,
            NDArray golden, NDArray without, Tolerance tol) {
        String label = c.name() + " " + file.getFileName() + (perRequest ? " per request " : " fused ") + what;
        Golden.assertClose(label, actual, golden, tol);
        float effect = golden.sub(without).abs().max().getFloat();
        assertThat(actual.sub(without).abs().max().getFloat()).as(label + ": the LoRA changed the output")
                .isGreaterThan((float) tol.atol());
        System.out.printf("%s: max |java - golden| = %.3g (atol %.3g, rtol %.3g); LoRA effect %.3g%n", label,
                actual.sub(golden).abs().max().getFloat(), tol.atol(), tol.rtol(), effect);
    }

    private void checkTaesdComponents(FeatureCase c) {
        Tolerance tol = tolerance(c);
        try (NDManager m = manager.newSubManager();
                SafeTensorsFile g = SafeTensors.open(FeatureCase.dir().resolve(c.entry().get("file").getAsString()))) {
            var vae = Autoencoders.load(c.path("model"), null, w -> {}, m);
            assertThat(vae).isInstanceOf(AutoencoderTiny.class);
            NDArray decoded = vae.decode(g.load("z", m));
            NDArray encoded = ((AutoencoderTiny) vae).encode(g.load("image", m));
            Golden.assertClose(c.name() + " decoded", decoded, g.load("decoded", m), tol);
            Golden.assertClose(c.name() + " encoded", encoded, g.load("encoded", m), tol);
            System.out.printf("%s: decoded max diff %.3g, encoded max diff %.3g (atol %.3g)%n", c.name(),
                    decoded.sub(g.load("decoded", m)).abs().max().getFloat(),
                    encoded.sub(g.load("encoded", m)).abs().max().getFloat(), tol.atol());
        }
    }

    /**
     * Two threads share one instance with a registered LoRA and ask for it at different scales at the same time:
     * each gets the image of an instance with the LoRA fused at its own scale.
     */
    @Test
    void concurrentRequestsWithDifferentLoraScalesEachMatchTheFusedResult() throws Exception {
        FeatureCase c = FeatureCase.all().stream().filter(x -> "lora".equals(x.kind()) && x.seeded()).findFirst()
                .orElseThrow(() -> new AssertionError("no seeded lora case in the features manifest"));
        Path file = c.loraFiles().get(0);
        double[] scales = {c.loraScale(), c.loraScale() / 2};
        FeatureCase base = c.withoutLoras();
        List<float[]> fused = new ArrayList<>();
        for (double s : scales) {
            try (SmallStableDiffusion sd = base.builder().lora(file, s).disableSafetyChecker().build()) {
                fused.add(pixels(sd.generate(c.request().build()).image()));
            }
        }
        try (SmallStableDiffusion shared = base.builder().registerLora(FeatureCase.REQUEST_LORA, file)
                .disableSafetyChecker().build()) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<float[]>> futures = new ArrayList<>();
                for (int round = 0; round < 2; round++) {
                    for (double s : scales) {
                        Callable<float[]> job = () -> pixels(shared.generate(
                                c.request().lora(FeatureCase.REQUEST_LORA, s).build()).image());
                        futures.add(pool.submit(job));
                    }
                }
                float[] without = pixels(shared.generate(c.request().build()).image());
                for (int i = 0; i < futures.size(); i++) {
                    float[] got = futures.get(i).get();
                    float[] want = fused.get(i % scales.length);
                    float worst = 0;
                    for (int k = 0; k < got.length; k++) {
                        worst = Math.max(worst, Math.abs(got[k] - want[k]));
                    }
                    System.out.printf("concurrent LoRA scale %.3g: max level difference to fused %.0f%n",
                            scales[i % scales.length], worst);
                    assertThat(worst).as("request at scale " + scales[i % scales.length] + " vs fused")
                            .isLessThanOrEqualTo(c.pngMaxLevelDiff());
                    assertThat(got).as("the LoRA changed the image").isNotEqualTo(without);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static float[] pixels(BufferedImage image) {
        int[] rgb = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        float[] out = new float[rgb.length * 3];
        for (int i = 0; i < rgb.length; i++) {
            out[3 * i] = (rgb[i] >> 16) & 0xFF;
            out[3 * i + 1] = (rgb[i] >> 8) & 0xFF;
            out[3 * i + 2] = rgb[i] & 0xFF;
        }
        return out;
    }
}
