package dev.smallsd.benchmarks;

import dev.smallsd.Components;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SafetyChecker;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.schedulers.SchedulerType;
import dev.smallsd.internal.text.ClipTextModel;
import dev.smallsd.internal.text.ClipTokenizer;
import dev.smallsd.internal.unet.UNet2DConditionModel;
import dev.smallsd.internal.vae.Autoencoder;
import dev.smallsd.internal.vae.AutoencoderKL;
import dev.smallsd.internal.vae.AutoencoderTiny;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * One txt2img request end to end through {@link SmallStableDiffusion#generate}: tokenise and encode the prompt and the
 * empty negative prompt, 10 DPM++ 2M steps (one batched CFG UNet call each, guidance 7.5), VAE decode, safety check
 * (ssd-safety's {@code ClipSafetyChecker} as in {@link SafetyCheckerBenchmark}, plugged in through core's
 * {@link SafetyChecker}, mode {@link SafetyMode#BLOCK}), conversion to a {@code BufferedImage}.
 *
 * <p>The instance is assembled in memory from the full-size components with random weights through
 * {@link SmallStableDiffusion.Builder#components} (no diffusers folder is written); the tokenizer is the real CLIP
 * vocabulary from {@code <ssd.fixtures>/tiny-ssd/tokenizer} (system property {@code ssd.fixtures}, default
 * {@code ../shared/fixtures}). Each request prints its phase timings.
 */
public class PipelineBenchmark extends SingleShotBenchmark {
    /** The system property naming the fixtures folder with {@code tiny-ssd/tokenizer}. */
    public static final String FIXTURES_PROPERTY = "ssd.fixtures";
    static final String PROMPT = "a photograph of an astronaut riding a horse";

    /** The instance of one trial. */
    @State(Scope.Benchmark)
    public static class PipelineState extends PrecisionComponentState<SmallStableDiffusion> {
        /**
         * The autoencoder that decodes the final latents: {@code kl}, the model's own VAE, or {@code tiny}, diffusers'
         * {@code AutoencoderTiny} (TAESD, {@link TinyVaeDecodeBenchmark#taesdConfig()}) in its place, as
         * {@code builder().vae("madebyollin/taesd")} would load it.
         */
        @Param({"kl", "tiny"})
        public String vae;

        @Override
        protected SmallStableDiffusion build(ModelDirectory architecture, Weights weights) {
            Path tokenizerDir = Path.of(System.getProperty(FIXTURES_PROPERTY, "../shared/fixtures"))
                    .resolve("tiny-ssd").resolve("tokenizer");
            if (!Files.isDirectory(tokenizerDir)) {
                throw new IllegalStateException("tokenizer folder " + tokenizerDir.toAbsolutePath()
                        + " not found: pass -D" + FIXTURES_PROPERTY + "=<fixtures folder>");
            }
            ClipTextModel text = new ClipTextModel(architecture.textEncoderConfig(), weights.child("text_encoder"));
            UNet2DConditionModel unet = new UNet2DConditionModel(architecture.unetConfig(),
                    inPrecision(weights.child("unet")));
            Autoencoder decoder = switch (vae) {
                case "kl" -> new AutoencoderKL(architecture.vaeConfig(), inPrecision(weights.child("vae")));
                case "tiny" -> new AutoencoderTiny(TinyVaeDecodeBenchmark.taesdConfig(), inPrecision(weights.child("taesd")));
                default -> throw new IllegalArgumentException("parameter vae=" + vae + ": expected kl or tiny");
            };
            SafetyChecker checker = SafetyCheckerBenchmark.build(architecture, weights.child("safety_checker"));
            Components components = new Components(ClipTokenizer.fromFolder(tokenizerDir), text, unet, decoder,
                    architecture.schedulerConfig(), "random-weights");
            return SmallStableDiffusion.builder().components(components).precision(precision)
                    .scheduler(SchedulerType.DPMPP_2M)
                    .safetyChecker(checker).safetyMode(SafetyMode.BLOCK).build();
        }
    }

    /**
     * @param s the state
     * @return the number of images (consumed so the call is not dead code)
     */
    @Benchmark
    public int txt2img(PipelineState s) {
        GenerationRequest request = GenerationRequest.builder(PROMPT).size(s.size, s.size).steps(10)
                .guidanceScale(7.5).scheduler(SchedulerType.DPMPP_2M).seed(42).build();
        GenerationResult r = s.component().generate(request);
        System.out.println("# smallsd: " + r.timings());
        return r.images().size();
    }
}
