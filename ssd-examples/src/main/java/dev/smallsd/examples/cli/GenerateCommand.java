package dev.smallsd.examples.cli;

import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.ProgressListener;
import dev.smallsd.Precision;
import dev.smallsd.PromptSyntax;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.StepProgress;
import dev.smallsd.Timings;
import dev.smallsd.ModelLoadException;
import dev.smallsd.schedulers.SchedulerType;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ssd generate}: one prompt to one or more PNG files (text-to-image, or image-to-image with
 * {@code --init-image}), with the generation parameters in each PNG and a summary line on stdout.
 *
 * <p>Every argument is checked before the model is loaded, and no file is written unless the whole run succeeds.
 * Defaults differ from diffusers' in one place: 25 steps instead of 50 (small-stable-diffusion-v0 is made for few
 * steps; pass {@code --steps 50} for diffusers' default).
 */
@Command(name = "generate", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Generates images from a prompt (text-to-image), or from a prompt and an image (image-to-image).",
        footer = {"", "Examples:",
            "  ssd generate -m ./small-stable-diffusion-v0 -p \"an apple, 4k\" -s 42 -o apple.png",
            "  ssd generate -p \"a castle\" --num-images 4 --scheduler dpm++2m -o castle.png",
            "      (writes castle-1.png ... castle-4.png)",
            "  ssd generate -p \"a watercolor\" --init-image photo.png --strength 0.6 -o painted.png",
            "  ssd generate -p \"a (red:1.3) door, <my-style>\" --prompt-syntax a1111 \\",
            "      --embedding my-style.pt:<my-style> -o door.png",
            "  ssd generate -p \"a red door\" --init-image photo.png --mask mask.png -o door.png",
            "  ssd generate -p \"a castle\" --preview-every 2 --preview-vae ./taesd -o castle.png",
            "      (also writes castle-previews/castle-02.png, castle-04.png, ...)"})
public final class GenerateCommand implements Callable<Integer> {
    /** Default number of denoising steps of the CLI (diffusers' default is 50). */
    public static final int DEFAULT_STEPS = 25;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "<hub-id|dir>", defaultValue = ModelSource.DEFAULT_MODEL,
            description = "Model folder (diffusers layout, with model_index.json) or Hugging Face Hub id, "
                    + "downloaded into the huggingface_hub cache on first use (default: ${DEFAULT-VALUE}).")
    private String model;

    @Option(names = "--revision", paramLabel = "<rev>",
            description = "Hub revision of --model: branch, tag or commit (default: main).")
    private String revision;

    @Option(names = {"-p", "--prompt"}, required = true, description = "What to draw.")
    private String prompt;

    @Option(names = {"-n", "--negative"}, paramLabel = "<prompt>", description = "What not to draw.")
    private String negative;

    @Option(names = "--prompt-syntax", paramLabel = "<syntax>", defaultValue = "plain",
            converter = PromptSyntaxConverter.class,
            description = "plain (diffusers: the prompt as written, cut at 77 tokens) or a1111 (AUTOMATIC1111: "
                    + "(word), [word], (word:1.3), BREAK, prompts of any length) (default: ${DEFAULT-VALUE}).")
    private PromptSyntax promptSyntax;

    @Option(names = "--embedding", paramLabel = "<file[:token]>", converter = EmbeddingOption.Converter.class,
            description = "Textual-inversion embedding (A1111 .pt/.safetensors or diffusers learned_embeds) to load, "
                    + "under the token after ':' (default: the A1111 file name or the diffusers key). Repeatable.")
    private List<EmbeddingOption> embeddings = new ArrayList<>();

    @Option(names = "--steps", defaultValue = "" + DEFAULT_STEPS,
            description = "Denoising steps (default: ${DEFAULT-VALUE}; diffusers' default is 50). PNDM makes one "
                    + "more model call than steps; the summary shows both.")
    private int steps;

    @Option(names = {"-g", "--guidance"}, defaultValue = "7.5",
            description = "Classifier-free guidance scale; <= 1 turns guidance off (default: ${DEFAULT-VALUE}).")
    private double guidance;

    @Option(names = {"-s", "--seed"}, description = "Seed of the torch-compatible generator (default: random; the "
            + "seed used is printed). The same seed gives diffusers' image.")
    private Long seed;

    @Option(names = "--size", paramLabel = "<WIDTHxHEIGHT>", converter = SizeConverter.class,
            description = "Image size in pixels, multiples of 8 (default: the model's, 512x512 for "
                    + "small-stable-diffusion-v0; with --init-image: its size rounded down to multiples of 8).")
    private ImageSize size;

    @Option(names = "--scheduler", paramLabel = "<name>", converter = SchedulerConverter.class,
            description = "Scheduler, one of the names `ssd schedulers` lists (default: the model's own).")
    private SchedulerType scheduler;

    @Option(names = "--num-images", paramLabel = "<n>", defaultValue = "1",
            description = "Images to generate (default: ${DEFAULT-VALUE}); several are written as <output>-1.png, "
                    + "<output>-2.png, ... in generation order.")
    private int numImages;

    @Option(names = "--init-image", paramLabel = "<file>",
            description = "Start from this image (PNG, JPEG, BMP or GIF): image-to-image.")
    private Path initImage;

    @Option(names = "--strength", description = "Image-to-image strength in (0, 1]: how much of the init image is "
            + "replaced (default: " + GenerationRequest.DEFAULT_STRENGTH + ").")
    private Double strength;

    @Option(names = "--mask", paramLabel = "<file>", description = "Inpainting: repaint the white region of this "
            + "mask (grey, binarised at 0.5; the size of --init-image).")
    private Path mask;

    @Option(names = "--lora", paramLabel = "<file[:scale]>", converter = LoraSpec.Converter.class,
            description = "Fuse a LoRA (.safetensors, kohya or diffusers names) at a scale (default 1.0); repeatable.")
    private List<LoraSpec> loras = new ArrayList<>();

    @Option(names = "--vae", paramLabel = "<hub-id|dir>", description = "Autoencoder to use instead of the model's "
            + "VAE, e.g. a tiny autoencoder (TAESD, AutoencoderTiny) for speed: a folder, or a Hub id "
            + "owner/name[@revision] such as madebyollin/taesd (downloaded like --model).")
    private String vae;

    @Option(names = "--unet", paramLabel = "<dir>", description = "UNet folder to use instead of the model's, e.g. an "
            + "inpainting UNet (9 input channels).")
    private Path unet;

    @Option(names = "--precision", paramLabel = "<fp32|bf16>", defaultValue = "fp32",
            converter = PrecisionConverter.class,
            description = "Number format of the UNet and VAE: fp32 (exact, the default) or bf16 (half the weight "
                    + "memory, faster on CPUs with bfloat16 instructions, images differ slightly).")
    private Precision precision;

    @Option(names = "--no-safety", description = "Do not run the safety checker (a warning is logged).")
    private boolean noSafety;

    @Option(names = "--threads", paramLabel = "<n>",
            description = "libtorch intra-op threads (default: one per available processor).")
    private Integer threads;

    @Option(names = "--variant", paramLabel = "<name>",
            description = "Weight-file variant to load, e.g. fp16 (computation stays float32).")
    private String variant;

    @Option(names = "--progress", paramLabel = "<style>", defaultValue = "auto",
            description = "Progress on stderr: auto (a bar on a terminal, else one line per 10%%), bar, plain, "
                    + "none (default: ${DEFAULT-VALUE}).")
    private ProgressBar.Style progress;

    @Mixin
    private PreviewOptions previews = new PreviewOptions();

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "<file.png>",
            description = "PNG file to write (with several images: <stem>-1.png, <stem>-2.png, ...); missing "
                    + "folders are created.")
    private Path output;

    private final ModelSource models;

    /** Creates the command with Hub models fetched as configured by the {@code HF_*} environment variables. */
    public GenerateCommand() {
        this(ModelSource.system());
    }

    /**
     * @param models how {@code --model} is resolved
     */
    public GenerateCommand(ModelSource models) {
        this.models = models;
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        checkArguments();
        BufferedImage init = initImage == null ? null : readImage("--init-image", initImage);
        GenerationRequest.Builder rb = GenerationRequest.builder(prompt)
                .negativePrompt(negative)
                .steps(steps)
                .guidanceScale(guidance)
                .imagesPerPrompt(numImages)
                .scheduler(scheduler)
                .promptSyntax(promptSyntax);
        if (seed != null) {
            rb.seed(seed);
        }
        if (size != null) {
            rb.size(size.width(), size.height());
        }
        if (init != null) {
            rb.initImage(init);
        }
        if (strength != null) {
            rb.strength(strength);
        }
        if (mask != null) {
            rb.maskImage(readImage("--mask", mask));
        }
        DenoiseProgress listener = new DenoiseProgress(err, progress);
        PreviewFiles previewFiles = previews.files(output);
        GenerationRequest request = previewFiles.progress(rb, listener).build();
        try {
            request.validate(); // the library's rules and messages; the model's limits follow once it is loaded
        } catch (IllegalArgumentException e) {
            throw RequestErrors.usage(e);
        }
        if (strength != null && initImage == null) {
            throw CliException.usage("--strength", "only applies to image-to-image; give --init-image too");
        }

        Path modelDir = models.resolve(model, revision, variant, err, progress);
        Path vaeDir = vae == null ? null : models.resolveModel("--vae", vae, variant, err, progress);
        previews.resolve(models, variant, err, progress);
        long loadStart = System.nanoTime();
        try (previewFiles; SmallStableDiffusion sd = load(modelDir, vaeDir)) {
            long loadMillis = (System.nanoTime() - loadStart) / 1_000_000L;
            try {
                sd.validate(request);
            } catch (IllegalArgumentException e) {
                throw RequestErrors.usage(e);
            }
            GenerationResult result;
            try {
                listener.start();
                result = sd.generate(request);
            } catch (ModelLoadException e) {
                throw new CliException(SsdCommand.EXIT_FAILURE, e.getMessage(), e);
            } finally {
                listener.finish();
            }
            List<Path> files = OutputPaths.forImages(output, result.images().size());
            write(result, files);
            previewFiles.keep();
            for (int i = 0; i < files.size(); i++) {
                if (result.isNsfw(i)) {
                    err.println("ssd: warning: the safety checker flagged " + files.get(i)
                            + " (written as a black image)");
                }
            }
            String schedulerName = scheduler != null ? scheduler.userName()
                    : result.scheduler() + " (model default)";
            out.println(summary(files, result, schedulerName, steps, loadMillis, listener.modelCalls()));
            out.flush();
        }
        return SsdCommand.EXIT_OK;
    }

    private void checkArguments() {
        if (threads != null && threads < 1) {
            throw CliException.usage("--threads", threads + " must be >= 1");
        }
        if (Files.isDirectory(output)) {
            throw CliException.usage("--output", output + " is a folder; give a file name such as out.png");
        }
        try {
            OutputPaths.requireWritable(output);
        } catch (IllegalArgumentException e) {
            throw new CliException(SsdCommand.EXIT_USAGE, "--output: " + e.getMessage(), e);
        }
        for (EmbeddingOption e : embeddings) {
            if (!Files.isRegularFile(e.file())) {
                throw CliException.usage("--embedding", e.file() + " does not exist or is not a file");
            }
        }
        if (initImage != null && !Files.isRegularFile(initImage)) {
            throw CliException.usage("--init-image", initImage + " does not exist or is not a file");
        }
        if (mask != null && initImage == null) {
            throw CliException.usage("--mask", "inpainting repaints an image; give --init-image too");
        }
        if (mask != null && !Files.isRegularFile(mask)) {
            throw CliException.usage("--mask", mask + " does not exist or is not a file");
        }
        for (LoraSpec l : loras) {
            if (!Files.isRegularFile(l.path())) {
                throw CliException.usage("--lora", l.path() + " does not exist or is not a file");
            }
        }
        previews.check(output);
        if (unet != null && !Files.isDirectory(unet)) {
            throw CliException.usage("--unet", unet + " is not a folder");
        }
        if (vae != null && !ModelSource.isFolderOrModelId(vae)) {
            throw CliException.usage("--vae", vae + " is neither a folder nor a Hub id owner/name[@revision]");
        }
    }

    private static BufferedImage readImage(String option, Path file) {
        try {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) {
                throw CliException.usage(option, file + " is not an image format this JVM reads "
                        + "(PNG, JPEG, BMP, GIF)");
            }
            return img;
        } catch (IOException e) {
            throw CliException.usage(option, file + ": " + SsdCommand.describe(e));
        }
    }

    private SmallStableDiffusion load(Path modelDir, Path vaeDir) {
        SmallStableDiffusion.Builder b = SmallStableDiffusion.builder().modelPath(modelDir).precision(precision);
        if (threads != null) {
            b.threads(threads);
        }
        if (variant != null) {
            b.variant(variant);
        }
        if (noSafety) {
            b.disableSafetyChecker();
        }
        embeddings.forEach(e -> b.textualInversion(e.file(), e.token()));
        for (LoraSpec l : loras) {
            b.lora(l.path(), l.scale());
        }
        if (vaeDir != null) {
            b.vae(vaeDir);
        }
        if (unet != null) {
            b.unet(unet);
        }
        previews.configure(b);
        try {
            return b.build();
        } catch (ModelLoadException e) {
            throw new CliException(SsdCommand.EXIT_FAILURE, "cannot load model: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CliException(SsdCommand.EXIT_USAGE, "--embedding: " + e.getMessage(), e);
        }
    }

    /** Writes every image, or none: files already written are removed when a later one fails. */
    private static void write(GenerationResult result, List<Path> files) throws IOException {
        List<Path> written = new ArrayList<>();
        try {
            for (int i = 0; i < files.size(); i++) {
                result.savePng(i, files.get(i));
                written.add(files.get(i));
            }
        } catch (IOException | RuntimeException e) {
            for (Path p : written) {
                Files.deleteIfExists(p);
            }
            Path failed = files.get(written.size());
            boolean named = e instanceof IOException && e.getMessage() != null
                    && e.getMessage().contains(failed.toString()); // PngWriter names the file as given
            throw new CliException(SsdCommand.EXIT_FAILURE, named ? e.getMessage()
                    : "cannot write " + failed + ": " + SsdCommand.describe(e), e);
        }
    }

    private static String summary(List<Path> files, GenerationResult r, String scheduler, int steps,
            long loadMillis, int modelCalls) {
        BufferedImage first = r.image();
        Timings t = r.timings();
        String names = files.stream().map(Path::toString).collect(Collectors.joining(", "));
        double itPerSec = t.denoiseMillis() > 0 ? modelCalls * 1000.0 / t.denoiseMillis() : Double.NaN;
        return String.format(Locale.ROOT, "wrote %s (%dx%d, seed %d, %s, %s) in %.2f s: load %d ms, "
                + "encode %d ms, denoise %d ms (%s it/s), decode %d ms, safety %s",
                names, first.getWidth(), first.getHeight(), r.seed(), scheduler, stepsText(steps, modelCalls),
                (loadMillis + t.totalMillis()) / 1000.0, loadMillis, t.encodeMillis(), t.denoiseMillis(),
                Double.isNaN(itPerSec) ? "?" : String.format(Locale.ROOT, "%.2f", itPerSec), t.decodeMillis(),
                r.safetyChecked() ? t.safetyMillis() + " ms" : "off");
    }

    /**
     * @param steps the steps asked for
     * @param modelCalls the UNet calls the run made (PNDM: one more; image-to-image: fewer)
     * @return {@code "10 steps"}, or {@code "10 steps (11 model calls)"} when the two differ
     */
    static String stepsText(int steps, int modelCalls) {
        String s = steps + (steps == 1 ? " step" : " steps");
        return modelCalls == steps || modelCalls == 0 ? s
                : s + " (" + modelCalls + (modelCalls == 1 ? " model call)" : " model calls)");
    }

    /**
     * Feeds the model calls to a progress bar created at the first call (when the loop length is known): the bar
     * counts model calls, which the summary line tells apart from steps.
     */
    private static final class DenoiseProgress implements ProgressListener {
        private final PrintWriter err;
        private final ProgressBar.Style style;
        private long startNanos;
        private ProgressBar bar;
        private int modelCalls;

        DenoiseProgress(PrintWriter err, ProgressBar.Style style) {
            this.err = err;
            this.style = style;
        }

        void start() {
            startNanos = System.nanoTime();
        }

        @Override
        public void onProgress(StepProgress p) {
            if (bar == null) {
                bar = new ProgressBar(err, "denoising", p.totalModelCalls(), ProgressBar.Unit.STEPS, style,
                        System::nanoTime, startNanos);
            }
            modelCalls = p.totalModelCalls();
            bar.update(p.modelCall());
        }

        void finish() {
            if (bar != null) {
                bar.finish();
            }
        }

        int modelCalls() {
            return modelCalls;
        }
    }

    /** Converts {@code --size} values. */
    static final class SizeConverter implements CommandLine.ITypeConverter<ImageSize> {
        @Override
        public ImageSize convert(String value) {
            try {
                return ImageSize.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Converts {@code --prompt-syntax} values ({@code plain}, {@code a1111}, any case). */
    static final class PromptSyntaxConverter implements CommandLine.ITypeConverter<PromptSyntax> {
        @Override
        public PromptSyntax convert(String value) {
            return anyCase(PromptSyntax.class, value, "prompt syntax");
        }
    }

    /** Converts {@code --precision} values ({@code fp32}, {@code bf16}, any case). */
    static final class PrecisionConverter implements CommandLine.ITypeConverter<Precision> {
        @Override
        public Precision convert(String value) {
            return anyCase(Precision.class, value, "precision");
        }
    }

    /** @return the constant of {@code type} named {@code value} in any case; else an error listing the names */
    private static <E extends Enum<E>> E anyCase(Class<E> type, String value, String what) {
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value)) {
                return e;
            }
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        throw new CommandLine.TypeConversionException("'" + value + "' is not a " + what + " ("
                + String.join(", ", names) + ")");
    }

    /** Converts {@code --scheduler} values through {@link SchedulerType#fromName}. */
    static final class SchedulerConverter implements CommandLine.ITypeConverter<SchedulerType> {
        @Override
        public SchedulerType convert(String value) {
            try {
                return SchedulerType.fromName(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
