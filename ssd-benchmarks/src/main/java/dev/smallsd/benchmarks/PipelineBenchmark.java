package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SafetyChecker;
import dev.smallsd.SafetyMode;
import dev.smallsd.io.ModelDirectory;
import dev.smallsd.nn.Weights;
import dev.smallsd.pipeline.PipelineHooks;
import dev.smallsd.pipeline.StableDiffusionPipeline;
import dev.smallsd.schedulers.Scheduler;
import dev.smallsd.schedulers.SchedulerType;
import dev.smallsd.schedulers.Schedulers;
import dev.smallsd.text.ClipTextModel;
import dev.smallsd.text.ClipTokenizer;
import dev.smallsd.unet.UNet2DConditionModel;
import dev.smallsd.vae.AutoencoderKL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One txt2img request end to end through {@link StableDiffusionPipeline#run}: tokenise and encode the prompt and the
 * empty negative prompt, 10 DPM++ 2M steps (one batched CFG UNet call each, guidance 7.5), VAE decode, safety check
 * (ssd-safety's {@code ClipSafetyChecker} as in {@link SafetyCheckerBenchmark}, plugged in through core's
 * {@link SafetyChecker}, mode {@link SafetyMode#BLOCK}), conversion to a {@code BufferedImage}.
 *
 * <p>The pipeline is assembled in memory from the full-size components with random weights (no diffusers folder is
 * written); the tokenizer is the real CLIP vocabulary from {@code <ssd.fixtures>/tiny-ssd/tokenizer} (system property
 * {@code ssd.fixtures}, default {@code ../shared/fixtures}). Each request prints its phase timings.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true"})
public class PipelineBenchmark {
    /** The system property naming the fixtures folder with {@code tiny-ssd/tokenizer}. */
    public static final String FIXTURES_PROPERTY = "ssd.fixtures";
    static final String PROMPT = "a photograph of an astronaut riding a horse";

    /** The assembled pipeline; closing it releases the tokenizer and the checker's arrays. */
    public record Assembled(StableDiffusionPipeline pipeline, SafetyChecker checker) implements AutoCloseable {
        @Override
        public void close() {
            pipeline.closeTokenizer();
            checker.close();
        }
    }

    /** The pipeline of one trial. */
    @State(Scope.Benchmark)
    public static class PipelineState extends ComponentState<Assembled> {
        /** Image width and height in pixels. */
        @Param({"256", "512"})
        public int size;

        @Override
        protected Assembled build(ModelDirectory architecture, Weights weights) {
            Path tokenizerDir = Path.of(System.getProperty(FIXTURES_PROPERTY, "../shared/fixtures"))
                    .resolve("tiny-ssd").resolve("tokenizer");
            if (!Files.isDirectory(tokenizerDir)) {
                throw new IllegalStateException("tokenizer folder " + tokenizerDir.toAbsolutePath()
                        + " not found: pass -D" + FIXTURES_PROPERTY + "=<fixtures folder>");
            }
            NDManager m = weights.manager();
            ClipTextModel text = new ClipTextModel(architecture.textEncoderConfig(), weights.child("text_encoder"));
            UNet2DConditionModel unet = new UNet2DConditionModel(architecture.unetConfig(), weights.child("unet"));
            AutoencoderKL vae = new AutoencoderKL(architecture.vaeConfig(), weights.child("vae"));
            SafetyChecker checker = SafetyCheckerBenchmark.build(architecture, weights.child("safety_checker"));
            Map<String, Object> schedulerConfig = architecture.schedulerConfig();
            Map<SchedulerType, Scheduler> cache = new ConcurrentHashMap<>();
            java.util.function.Function<SchedulerType, Scheduler> factory =
                    type -> cache.computeIfAbsent(type, k -> Schedulers.create(k, schedulerConfig));
            ClipTokenizer tokenizer = ClipTokenizer.fromFolder(tokenizerDir);
            StableDiffusionPipeline p = new StableDiffusionPipeline(tokenizer, text, unet, vae,
                    factory.apply(SchedulerType.DPMPP_2M), factory, checker, SafetyMode.BLOCK, m, "random-weights");
            return new Assembled(p, checker);
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
        GenerationResult r = s.component().pipeline().run(request, PipelineHooks.NONE, () -> false);
        System.out.println("# smallsd: " + r.timings());
        return r.images().size();
    }
}
