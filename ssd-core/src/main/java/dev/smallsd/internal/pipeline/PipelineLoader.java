package dev.smallsd.internal.pipeline;

import ai.djl.ndarray.NDManager;
import dev.smallsd.Components;
import dev.smallsd.SafetyChecker;
import dev.smallsd.SafetyCheckerProvider;
import dev.smallsd.SafetyMode;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.ModelLoadException;
import dev.smallsd.Precision;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.TensorFiles;
import dev.smallsd.internal.io.WeightFiles;
import dev.smallsd.internal.io.config.UNet2DConditionConfig;
import dev.smallsd.internal.lora.LoraFile;
import dev.smallsd.internal.lora.LoraSet;
import dev.smallsd.internal.nn.AttentionSlicing;
import dev.smallsd.internal.nn.Bfloat16;
import dev.smallsd.schedulers.Scheduler;
import dev.smallsd.schedulers.SchedulerType;
import dev.smallsd.schedulers.Schedulers;
import dev.smallsd.internal.text.ClipTextModel;
import dev.smallsd.internal.text.ClipTokenizer;
import dev.smallsd.internal.text.TextualInversion;
import dev.smallsd.internal.unet.UNet2DConditionModel;
import dev.smallsd.internal.vae.Autoencoder;
import dev.smallsd.internal.vae.AutoencoderKL;
import dev.smallsd.internal.vae.Autoencoders;
import dev.smallsd.internal.vae.VaeTiling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads every component of a diffusers Stable Diffusion folder once (or takes {@link Components} built in memory) and
 * assembles a {@link StableDiffusionPipeline}. Internal: applications go through {@code SmallStableDiffusion.Builder}.
 */
public final class PipelineLoader {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineLoader.class);
    private static final AtomicBoolean WARNED_OFF = new AtomicBoolean();

    private PipelineLoader() {}

    /** What the builder collected (internal). */
    public static final class Options {
        /** The snapshot folder, or null when {@link #components} is given. */
        public Path modelPath;
        /** Models built in memory, or null. */
        public Components components;
        /** Scheduler type by default, or null. */
        public SchedulerType schedulerType;
        /** Scheduler instance by default, or null. */
        public Scheduler scheduler;
        /** Weight variant or null. */
        public String variant;
        /** libtorch intra-op threads or null. */
        public Integer threads;
        /** Explicit checker or null. */
        public SafetyChecker safetyChecker;
        /** Safety mode. */
        public SafetyMode safetyMode = SafetyMode.BLOCK;
        /** Attention query slice size; negative = the model's default. */
        public int attentionSliceSize = -1;
        /** Name written into PNG parameters (the Hub id); null = the folder name. */
        public String modelName;
        /** Tiled VAE decoding. */
        public boolean vaeTiling;
        /** Textual-inversion embeddings in load order. */
        public final List<Embedding> textualInversions = new ArrayList<>();
        /** A UNet folder used instead of the model's {@code unet/}, or null. */
        public Path unetPath;
        /** An AutoencoderKL or AutoencoderTiny folder used instead of the model's {@code vae/}, or null. */
        public Path vaePath;
        /** An autoencoder folder used only for progress previews, or null. */
        public Path previewVaePath;
        /** LoRAs fused into the weights at build, in order. */
        public final List<LoraFile.Use> fusedLoras = new ArrayList<>();
        /** LoRAs registered for per-request use, by name. */
        public final Map<String, Path> registeredLoras = new LinkedHashMap<>();
        /** Precision of the UNet and the VAE; null = not given (FP32, or the components' own). */
        public Precision precision;
    }

    /**
     * A textual-inversion file to load.
     *
     * @param file the embedding file
     * @param token the token to load it under, or {@code null} for the file's default
     */
    public record Embedding(Path file, String token) {}

    /**
     * @param o the options (the engine is already started with its thread count: {@link EngineSetup#start})
     * @param manager owner of all weights
     * @return the pipeline
     */
    public static StableDiffusionPipeline load(Options o, NDManager manager) {
        Precision precision = checkPrecision(o);
        Autoencoder previewVae = loadPreviewVae(o, manager); // small: a bad folder fails before the big weights
        if (o.components != null) {
            // the in-memory route: no folder, no provider lookup; the builder's checker (if any) is used as given
            if (!o.fusedLoras.isEmpty() || !o.registeredLoras.isEmpty() || !o.textualInversions.isEmpty()
                    || o.unetPath != null || o.vaePath != null) {
                throw new IllegalArgumentException("components: lora, registerLora, textualInversion, unet and vae "
                        + "apply to a model folder and cannot be combined with in-memory components");
            }
            Components c = o.components;
            Scheduler scheduler = o.scheduler != null ? o.scheduler
                    : o.schedulerType != null ? Schedulers.create(o.schedulerType, c.schedulerConfig())
                    : c.schedulerConfig().get("_class_name") instanceof String cls
                    ? Schedulers.fromConfig(c.schedulerConfig(), cls, Map.of())
                    : Schedulers.create(SchedulerType.PNDM, c.schedulerConfig());
            return withPreviewVae(assemble(o, c, scheduler, o.safetyChecker, manager), c.vae(), o, previewVae);
        }
        long start = System.nanoTime();
        ModelDirectory dir = ModelDirectory.open(o.modelPath);
        requireSafetyCheckerImplementation(o, dir);
        String variant = o.variant;
        // every LoRA file is read and checked before any weight is loaded: nothing is half-applied
        LoraSet loras = LoraSet.load(o.fusedLoras, o.registeredLoras, manager);

        long t = System.nanoTime();
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(dir.componentDir(ModelDirectory.TOKENIZER));
        LOG.info("tokenizer loaded from {} in {} ms", dir.componentDir(ModelDirectory.TOKENIZER), ms(t));
        try {
            t = System.nanoTime();
            ClipTextModel textEncoder;
            try (TensorFile f = loras.wrap(LoraFile.Component.TEXT_ENCODER,
                    dir.openWeights(ModelDirectory.TEXT_ENCODER, variant, LOG::warn))) {
                textEncoder = ClipTextModel.load(dir.textEncoderConfig(), f, manager);
                LOG.info("text encoder loaded from {} in {} ms", f.path(), ms(t));
            }
            if (!o.textualInversions.isEmpty()) {
                TextualInversion.Loaded ti = TextualInversion.applyReplacing(tokenizer, textEncoder,
                        o.textualInversions.stream().map(e -> TextualInversion.read(e.file(), e.token())).toList());
                tokenizer = ti.tokenizer();
                textEncoder = ti.textModel();
                LOG.info("textual inversion: {} embedding(s) loaded", o.textualInversions.size());
            }
            t = System.nanoTime();
            UNet2DConditionModel unet;
            try (TensorFile f = loras.wrap(LoraFile.Component.UNET, o.unetPath == null
                    ? dir.openWeights(ModelDirectory.UNET, variant, LOG::warn)
                    : TensorFiles.open(WeightFiles.resolve(o.unetPath, variant, LOG::warn)))) {
                unet = UNet2DConditionModel.load(o.unetPath == null ? dir.unetConfig()
                        : UNet2DConditionConfig.read(o.unetPath.resolve("config.json")), f, manager, precision);
                LOG.info("UNet loaded from {} in {} ms", f.path(), ms(t));
            }
            t = System.nanoTime();
            Autoencoder vae;
            if (o.vaePath != null) {
                vae = Autoencoders.load(o.vaePath, variant, LOG::warn, manager, precision);
                LOG.info("{} loaded from {} in {} ms", vae.getClass().getSimpleName(), o.vaePath, ms(t));
            } else {
                try (TensorFile f = dir.openWeights(ModelDirectory.VAE, variant, LOG::warn)) {
                    vae = AutoencoderKL.load(dir.vaeConfig(), f, manager, precision);
                    LOG.info("VAE loaded from {} in {} ms", f.path(), ms(t));
                }
            }
            loras.finish();
            Map<String, Object> schedulerConfig = dir.schedulerConfig();
            Scheduler scheduler = o.scheduler != null ? o.scheduler
                    : o.schedulerType != null ? Schedulers.create(o.schedulerType, schedulerConfig)
                    : defaultScheduler(dir, schedulerConfig);
            SafetyChecker checker = safetyChecker(o, dir);
            String name = o.modelName != null ? o.modelName
                    : dev.smallsd.hub.HubDownloader.repoIdOfSnapshot(o.modelPath).orElseGet(() ->
                            o.modelPath.toAbsolutePath().normalize().getFileName() == null ? "model"
                            : o.modelPath.toAbsolutePath().normalize().getFileName().toString());
            LOG.info("pipeline ready in {} ms: scheduler {}, safety checker {}", ms(start), scheduler.className(),
                    checker == null ? "none" : checker.getClass().getSimpleName() + " (" + o.safetyMode + ")");
            return withPreviewVae(assemble(o, new Components(tokenizer, textEncoder, unet, vae, schedulerConfig, name),
                    scheduler, checker, manager).withLoras(loras.registered()), vae, o, previewVae);
        } catch (RuntimeException | Error e) {
            tokenizer.close();
            throw e;
        }
    }

    /**
     * Checks the precision against the other options before anything is loaded.
     *
     * @return the precision to load the UNet and the VAE in
     * @throws IllegalStateException for BF16 without libtorch's kernel module
     * @throws IllegalArgumentException ("precision: ...", "registerLora: ...") for BF16 with per-request LoRAs, or
     *     components whose networks hold another precision than the one asked for
     */
    private static Precision checkPrecision(Options o) {
        if (o.components != null) {
            Precision unet = o.components.unet().precision();
            Precision vae = o.components.vae().precision();
            if (o.precision != null && (unet != o.precision || vae != o.precision)) {
                throw new IllegalArgumentException("precision: " + o.precision + " asked for, but the components' "
                        + "UNet holds " + unet + " and their VAE " + vae + " weights (build the networks from "
                        + "Weights.withPrecision(" + o.precision + "), or leave precision unset to run theirs)");
            }
            return unet;
        }
        Precision p = o.precision == null ? Precision.FP32 : o.precision;
        if (p == Precision.BF16) {
            Bfloat16.kernels(); // fails with the reason before any file is read
            if (!o.registeredLoras.isEmpty()) {
                throw new IllegalArgumentException("registerLora: per-request LoRAs " + o.registeredLoras.keySet()
                        + " are not supported with precision BF16 (their float32 path needs the float32 weights); "
                        + "fuse them at build with lora(path, scale), or use Precision.FP32");
            }
        }
        return p;
    }

    private static Autoencoder loadPreviewVae(Options o, NDManager manager) {
        if (o.previewVaePath == null) {
            return null;
        }
        long t = System.nanoTime();
        Autoencoder a = Autoencoders.load(o.previewVaePath, o.variant, LOG::warn, manager);
        LOG.info("preview {} loaded from {} in {} ms", a.getClass().getSimpleName(), o.previewVaePath, ms(t));
        return a;
    }

    /** Gives the pipeline its preview decoder after checking that it reads the model's latents. */
    private static StableDiffusionPipeline withPreviewVae(StableDiffusionPipeline p, Autoencoder vae, Options o,
            Autoencoder previewVae) {
        if (previewVae == null) {
            return p;
        }
        if (previewVae.latentChannels() != vae.latentChannels() || previewVae.spatialFactor() != vae.spatialFactor()) {
            throw new ModelLoadException(o.previewVaePath.resolve("config.json"), "previewVae: latents of "
                    + previewVae.latentChannels() + " channels at 1/" + previewVae.spatialFactor()
                    + " of the image size do not match the model's autoencoder (" + vae.latentChannels()
                    + " channels at 1/" + vae.spatialFactor() + ")");
        }
        return p.withPreviewVae(previewVae);
    }

    /** Applies the builder's memory options (attention slicing, VAE tiling) and assembles the engine. */
    private static StableDiffusionPipeline assemble(Options o, Components c, Scheduler scheduler,
            SafetyChecker checker, NDManager manager) {
        UNet2DConditionModel unet = c.unet();
        if (o.attentionSliceSize >= 0) {
            unet = unet.withAttentionSlicing(o.attentionSliceSize == 0 ? AttentionSlicing.none()
                    : AttentionSlicing.fixed(o.attentionSliceSize));
        }
        Autoencoder vae = o.vaeTiling && c.vae() instanceof AutoencoderKL kl
                ? kl.withTiling(VaeTiling.of(kl.config()))
                : c.vae();
        return new StableDiffusionPipeline(c.tokenizer(), c.textEncoder(), unet, vae, scheduler,
                schedulerFactory(c.schedulerConfig()), checker, o.safetyMode, manager, c.name());
    }

    /** One scheduler per type, built on first use from the model's scheduler config (diffusers' from_config). */
    private static Function<SchedulerType, Scheduler> schedulerFactory(Map<String, Object> schedulerConfig) {
        Map<SchedulerType, Scheduler> cache = new ConcurrentHashMap<>();
        return type -> cache.computeIfAbsent(type, k -> Schedulers.create(k, schedulerConfig));
    }

    /**
     * Fails before any weight is loaded when the folder has a safety checker that nothing on the class path can run
     * and the user did not turn checking off: images must not go unchecked silently (a log line is lost without an
     * SLF4J binding).
     */
    private static void requireSafetyCheckerImplementation(Options o, ModelDirectory dir) {
        if (o.safetyMode != SafetyMode.OFF && o.safetyChecker == null
                && dir.hasComponent(ModelDirectory.SAFETY_CHECKER)
                && !ServiceLoader.load(SafetyCheckerProvider.class).iterator().hasNext()) {
            throw new IllegalStateException(o.modelPath + " has a safety_checker but no SafetyChecker implementation "
                    + "is on the class path: add the dependency dev.smallsd:ssd-safety, or call "
                    + "safetyMode(SafetyMode.OFF) (or disableSafetyChecker()) on the builder to generate without "
                    + "checking images");
        }
    }

    private static SafetyChecker safetyChecker(Options o, ModelDirectory dir) {
        if (o.safetyMode == SafetyMode.OFF) {
            if (WARNED_OFF.compareAndSet(false, true)) {
                LOG.warn("The safety checker is disabled. Ensure that you abide by the conditions of the Stable "
                        + "Diffusion license (OpenRAIL) and do not expose unfiltered results in services or "
                        + "applications open to the public.");
            }
            return null;
        }
        if (o.safetyChecker != null) {
            return o.safetyChecker;
        }
        boolean folderHasChecker = dir.hasComponent(ModelDirectory.SAFETY_CHECKER);
        if (!folderHasChecker) {
            return null;
        }
        for (SafetyCheckerProvider p : ServiceLoader.load(SafetyCheckerProvider.class)) {
            Optional<SafetyChecker> c = p.load(o.modelPath, o.variant);
            if (c.isPresent()) {
                return c.get();
            }
        }
        LOG.warn("{} has a safety_checker but no SafetyChecker implementation is on the class path "
                + "(add dev.smallsd:ssd-safety): images are NOT checked", o.modelPath);
        return null;
    }

    private static Scheduler defaultScheduler(ModelDirectory dir, Map<String, Object> config) {
        Object cls = config.get("_class_name");
        if (!(cls instanceof String name)) {
            throw new ModelLoadException(dir.componentDir(ModelDirectory.SCHEDULER).resolve("scheduler_config.json"),
                    "missing or non-string key '_class_name'");
        }
        try {
            return Schedulers.fromConfig(config, name, Map.of());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new ModelLoadException(dir.componentDir(ModelDirectory.SCHEDULER).resolve("scheduler_config.json"),
                    e.getMessage(), e);
        }
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000L;
    }
}
