package dev.smallsd;

import ai.djl.ndarray.NDManager;
import dev.smallsd.hub.DownloadListener;
import dev.smallsd.hub.HubDownloader;
import dev.smallsd.hub.HubOptions;
import dev.smallsd.hub.RepoRef;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.lora.LoraFile;
import dev.smallsd.internal.pipeline.EngineSetup;
import dev.smallsd.internal.pipeline.InternalAccess;
import dev.smallsd.internal.pipeline.PipelineHooks;
import dev.smallsd.internal.pipeline.PipelineLoader;
import dev.smallsd.internal.pipeline.StableDiffusionPipeline;
import dev.smallsd.schedulers.Scheduler;
import dev.smallsd.schedulers.SchedulerType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Small Stable Diffusion (and any Stable Diffusion v1 model in the diffusers folder layout) in plain Java:
 * text-to-image and image-to-image with the images diffusers gives for the same weights, prompt and seed.
 *
 * <pre>{@code
 * try (SmallStableDiffusion sd = SmallStableDiffusion.builder()
 *         .modelPath(Path.of("small-stable-diffusion-v0"))
 *         .scheduler(SchedulerType.DPMPP_2M)
 *         .build()) {
 *     GenerationResult r = sd.generate(GenerationRequest.builder("an apple, 4k").steps(10).seed(42).build());
 *     r.savePng(0, Path.of("apple.png"));
 * }
 * }</pre>
 *
 * <p>An instance loads every model once; {@link #generate} may be called from several threads at once (each request
 * has its own generator and scheduler state).
 *
 * <p>Validation: {@link #generate}, {@link #generateAsync} and {@link #validate} check the whole request against the
 * model before any work, with the same rules and messages ({@link IllegalArgumentException}s whose message starts
 * with the parameter name); {@code generateAsync} throws them itself instead of failing the future.
 *
 * <p>Cancellation and closing: a request stops before its next UNet call (or before decoding) with a
 * {@link CancellationException} when its future is cancelled, when the thread running {@code generate} is
 * interrupted, or when the instance is closed. {@link #close} cancels every running and queued request, waits until
 * the running ones have stopped, then frees the native memory of the weights; afterwards {@code generate},
 * {@code generateAsync} and {@code validate} throw {@code IllegalStateException("SmallStableDiffusion is closed")}.
 */
public final class SmallStableDiffusion implements AutoCloseable {
    static {
        InternalAccess.install(sd -> sd.pipeline);
    }

    private final StableDiffusionPipeline pipeline;
    private final NDManager manager;
    private final RunningRequests requests = new RunningRequests();
    private ExecutorService defaultPool; // guarded by this; created by the first generateAsync(request)

    private SmallStableDiffusion(StableDiffusionPipeline pipeline, NDManager manager) {
        this.pipeline = pipeline;
        this.manager = manager;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Generates images, blocking until done. Interrupting the calling thread stops the run before its next UNet call
     * with a {@link CancellationException} (the interrupt flag stays set).
     *
     * @param request the request
     * @return the images and their metadata
     * @throws IllegalArgumentException when a request parameter is invalid (the message starts with its name)
     * @throws CancellationException when the thread was interrupted or the instance closed during the run
     * @throws IllegalStateException when the instance is closed
     */
    public GenerationResult generate(GenerationRequest request) {
        RunningRequests.Ticket ticket = requests.begin();
        try {
            pipeline.validate(Objects.requireNonNull(request, "request"));
            return pipeline.run(request, PipelineHooks.NONE, ticket);
        } catch (CancellationException e) {
            throw ticket.explain(e);
        } finally {
            requests.end(ticket);
        }
    }

    /**
     * Generates images on a background thread of a pool this instance owns (daemon threads, created as needed and
     * stopped by {@link #close}). See {@link #generateAsync(GenerationRequest, Executor)}.
     *
     * @param request the request (validated before this method returns)
     * @return the future result
     * @throws IllegalArgumentException when a request parameter is invalid (the message starts with its name)
     * @throws IllegalStateException when the instance is closed
     */
    public CompletableFuture<GenerationResult> generateAsync(GenerationRequest request) {
        return generateAsync(request, defaultPool());
    }

    /**
     * Generates images on a thread of the given executor, so a server decides how many requests run at once.
     * The request is validated before this method returns: a bad one throws here, never through the future.
     * {@code cancel(true)} on the returned future stops the run before its next UNet call (the instance stays
     * usable); {@link #close} fails the future with a {@link CancellationException}. The executor is not shut down
     * by this instance.
     *
     * @param request the request
     * @param executor runs the request (a task per call; it may queue it)
     * @return the future result
     * @throws IllegalArgumentException when a request parameter is invalid (the message starts with its name)
     * @throws IllegalStateException when the instance is closed
     * @throws java.util.concurrent.RejectedExecutionException when the executor refuses the task
     */
    public CompletableFuture<GenerationResult> generateAsync(GenerationRequest request, Executor executor) {
        Objects.requireNonNull(executor, "executor");
        validate(request);
        AtomicReference<CompletableFuture<GenerationResult>> future = new AtomicReference<>();
        RunningRequests.Ticket ticket = new RunningRequests.Ticket(() -> future.get().completeExceptionally(
                new CancellationException("SmallStableDiffusion was closed before the request started")));
        CompletableFuture<GenerationResult> f = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                ticket.cancel();
                return super.cancel(mayInterruptIfRunning);
            }
        };
        future.set(f);
        requests.queue(ticket);
        try {
            executor.execute(() -> {
                if (!requests.start(ticket)) {
                    return; // cancelled or closed before it started: the future is already completed
                }
                try {
                    f.complete(pipeline.run(request, PipelineHooks.NONE, ticket));
                } catch (CancellationException e) {
                    f.completeExceptionally(ticket.explain(e));
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                } finally {
                    requests.end(ticket);
                }
            });
        } catch (RuntimeException e) {
            requests.end(ticket);
            if (f.isDone()) { // closed between queue and execute: the future already says so
                return f;
            }
            throw e;
        }
        return f;
    }

    /**
     * Checks a request against this model without running it: every parameter, the timesteps against the scheduler
     * the request would use, the size against the autoencoder and the LoRAs against those registered.
     * {@link #generate} and {@link #generateAsync} do the same first.
     *
     * @param request the request
     * @throws IllegalArgumentException when a request parameter is invalid (the message starts with its name)
     * @throws IllegalStateException when the instance is closed
     */
    public void validate(GenerationRequest request) {
        RunningRequests.Ticket ticket = requests.begin();
        try {
            pipeline.validate(Objects.requireNonNull(request, "request"));
        } finally {
            requests.end(ticket);
        }
    }

    /** @return the default image width/height in pixels of the loaded model */
    public int defaultSize() {
        return pipeline.defaultSize();
    }

    private synchronized ExecutorService defaultPool() {
        requests.ensureOpen();
        if (defaultPool == null) {
            AtomicInteger n = new AtomicInteger();
            defaultPool = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "ssd-generate-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        return defaultPool;
    }

    /**
     * Cancels every running and queued request (their futures, and {@code generate} calls, fail with a
     * {@link CancellationException}), waits until the running ones have stopped (each stops before its next UNet
     * call), then frees the models' native memory. Later calls throw {@code IllegalStateException}. Idempotent;
     * called from a request's own listener it returns at once and the memory is freed when that request ends.
     */
    @Override
    public void close() {
        requests.close(this::release);
    }

    private void release() {
        synchronized (this) {
            if (defaultPool != null) {
                defaultPool.shutdown();
            }
        }
        try {
            pipeline.close();
        } finally {
            manager.close();
        }
    }

    /** Builder of {@link SmallStableDiffusion}. */
    public static final class Builder {
        private final PipelineLoader.Options options = new PipelineLoader.Options();
        private String hubModel;
        private String revision;
        private HubOptions hubOptions;
        private DownloadListener downloadListener;
        private RepoRef hubVae;
        private RepoRef hubPreviewVae;

        private Builder() {}

        /**
         * @param path a diffusers snapshot folder ({@code model_index.json}, {@code unet/}, {@code vae/}, …)
         * @return this
         */
        public Builder modelPath(Path path) {
            options.modelPath = path;
            options.components = null;
            hubModel = null;
            return this;
        }

        /**
         * A Hugging Face Hub model id (e.g. {@code "OFA-Sys/small-stable-diffusion-v0"}) or a local folder. A Hub model
         * is downloaded on first use into the huggingface_hub cache ({@code $HF_HUB_CACHE}, {@code $HF_HOME/hub} or
         * {@code ~/.cache/huggingface/hub}), shared with Python; {@code HF_ENDPOINT}, {@code HF_TOKEN} and
         * {@code HF_HUB_OFFLINE=1} are honoured.
         *
         * @param idOrPath the Hub id or a folder path
         * @return this
         */
        public Builder model(String idOrPath) {
            Objects.requireNonNull(idOrPath, "model");
            Path p = Path.of(idOrPath);
            if (Files.isDirectory(p)) {
                options.modelPath = p;
                options.components = null;
                hubModel = null;
            } else {
                hubModel = idOrPath;
                options.modelPath = null;
                options.components = null;
            }
            return this;
        }

        /**
         * Assembles the instance from models already built in memory instead of a model folder (benchmarks, tools).
         * No safety checker is looked up: give one with {@link #safetyChecker} or the images are not checked.
         *
         * @param components the models and the scheduler config
         * @return this
         */
        public Builder components(Components components) {
            options.components = Objects.requireNonNull(components, "components");
            options.modelPath = null;
            hubModel = null;
            return this;
        }

        /**
         * @param revision the Hub branch, tag or commit (default {@code main})
         * @return this
         */
        public Builder revision(String revision) {
            this.revision = revision;
            return this;
        }

        /**
         * @param hubOptions Hub endpoint, cache, token and offline settings (default: from the environment)
         * @return this
         */
        public Builder hubOptions(HubOptions hubOptions) {
            this.hubOptions = Objects.requireNonNull(hubOptions, "hubOptions");
            return this;
        }

        /**
         * @param listener receives download progress of Hub files
         * @return this
         */
        public Builder downloadListener(DownloadListener listener) {
            this.downloadListener = listener;
            return this;
        }

        /**
         * @param type the scheduler to use by default (default: the folder's {@code scheduler_config.json})
         * @return this
         */
        public Builder scheduler(SchedulerType type) {
            options.schedulerType = type;
            options.scheduler = null;
            return this;
        }

        /**
         * @param scheduler a fully configured scheduler to use by default
         * @return this
         */
        public Builder scheduler(Scheduler scheduler) {
            options.scheduler = scheduler;
            options.schedulerType = null;
            return this;
        }

        /**
         * @param variant weight variant such as {@code "fp16"} (weights are computed in float32 either way)
         * @return this
         */
        public Builder variant(String variant) {
            options.variant = variant;
            return this;
        }

        /**
         * Sets libtorch's intra-op thread count. This is a process-wide setting of the native library: it affects
         * every instance in the JVM. The count applied is logged at INFO ({@code libtorch intra-op threads: n}); when
         * this is the first use of the engine in the JVM, DJL's own start-up line shows it too.
         *
         * @param threads number of threads (default: available processors)
         * @return this
         */
        public Builder threads(int threads) {
            if (threads <= 0) {
                throw new IllegalArgumentException("threads: " + threads + " must be >= 1");
            }
            options.threads = threads;
            return this;
        }

        /**
         * @param checker a safety checker to use instead of one found through {@link SafetyCheckerProvider}
         * @return this
         */
        public Builder safetyChecker(SafetyChecker checker) {
            options.safetyChecker = checker;
            return this;
        }

        /**
         * @param mode what to do with flagged images ({@link SafetyMode#OFF} disables the checker, with a warning)
         * @return this
         */
        public Builder safetyMode(SafetyMode mode) {
            options.safetyMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Turns the safety checker off (logs a warning, as diffusers does for {@code safety_checker=None}).
         *
         * @return this
         */
        public Builder disableSafetyChecker() {
            return safetyMode(SafetyMode.OFF);
        }

        /**
         * @param queries attention query slice size (smaller uses less memory; {@code 0} = no slicing). Only the
         *     fallback attention (without the TorchScript kernels, e.g. {@code -Dssd.kernels.disable=true}) slices:
         *     the fused kernel never holds the score matrix

         * @return this
         */
        public Builder attentionSliceSize(int queries) {
            if (queries < 0) {
                throw new IllegalArgumentException("attentionSliceSize: " + queries + " must be >= 0");
            }
            options.attentionSliceSize = queries;
            return this;
        }

        /**
         * @param tiling decode large images in overlapping tiles (diffusers' {@code enable_vae_tiling})
         * @return this
         */
        public Builder vaeTiling(boolean tiling) {
            options.vaeTiling = tiling;
            return this;
        }

        /**
         * The number format of the UNet and the VAE (see {@link Precision}; default {@link Precision#FP32}).
         * {@link Precision#BF16} needs libtorch's TorchScript kernel module: {@code build()} throws an
         * {@code IllegalStateException} when it is unavailable, and an {@code IllegalArgumentException} when it is
         * combined with {@link #registerLora} (fuse with {@link #lora} instead). With {@link #components} the
         * networks already hold their weights in some precision: a precision given here must be theirs.
         *
         * @param precision the precision
         * @return this
         */
        public Builder precision(Precision precision) {
            options.precision = Objects.requireNonNull(precision, "precision");
            return this;
        }

        /**
         * Loads a textual-inversion embedding under its default token: the file name without extension for
         * AUTOMATIC1111 files ({@code .pt}, {@code .safetensors} with {@code emb_params}), the key of a diffusers
         * {@code learned_embeds} file. See {@link #textualInversion(Path, String)}.
         *
         * @param file the embedding file
         * @return this
         */
        public Builder textualInversion(Path file) {
            return textualInversion(file, null);
        }

        /**
         * Loads a textual-inversion embedding (diffusers' {@code load_textual_inversion}): an embedding of {@code n}
         * vectors adds the tokens {@code token, token_1, …, token_{n-1}}; writing {@code token} in a prompt uses all of
         * them. Several embeddings may be loaded; their ids follow the vocabulary in the order of these calls.
         *
         * @param file an AUTOMATIC1111 {@code .pt} / {@code .safetensors} or diffusers {@code learned_embeds}
         *     ({@code .safetensors}, {@code .bin}) file
         * @param token the token, or {@code null} for the file's default
         * @return this
         * @see dev.smallsd.internal.text.TextualInversion
         */
        public Builder textualInversion(Path file, String token) {
            Objects.requireNonNull(file, "textualInversion");
            if (token != null && token.isBlank()) {
                throw new IllegalArgumentException("textualInversion: the token for " + file + " is blank");
            }
            options.textualInversions.add(new PipelineLoader.Embedding(file, token));
            return this;
        }

        /**
         * Uses another UNet folder ({@code config.json} + weights) instead of the model's {@code unet/}, as a
         * diffusers user passes {@code unet=UNet2DConditionModel.from_pretrained(...)}: e.g. an inpainting UNet with 9
         * input channels.
         *
         * @param folder the UNet folder
         * @return this
         */
        public Builder unet(Path folder) {
            options.unetPath = Objects.requireNonNull(folder, "unet");
            return this;
        }

        /**
         * Uses another autoencoder instead of the model's {@code vae/}, for decoding and image-to-image encoding:
         * a folder of diffusers' {@code AutoencoderTiny} (TAESD, e.g. a download of {@code madebyollin/taesd}) or
         * {@code AutoencoderKL}.
         *
         * @param folder the autoencoder folder ({@code config.json} + weights)
         * @return this
         */
        public Builder vae(Path folder) {
            options.vaePath = Objects.requireNonNull(folder, "vae");
            hubVae = null;
            return this;
        }

        /**
         * {@link #vae(Path)} by folder or by Hub id, with the rule of {@link #model(String)}: an existing folder is
         * used as it is; anything else is a single-model Hub repository {@code owner/name[@revision]} (e.g.
         * {@code "madebyollin/taesd"}), downloaded at {@link #build()} into the huggingface_hub cache with the
         * {@link #hubOptions}, {@link #downloadListener} and {@link #variant} of this builder (the revision after
         * {@code @}, default {@code main}; {@link #revision} is the model's).
         *
         * @param idOrFolder the autoencoder folder or Hub id
         * @return this
         */
        public Builder vae(String idOrFolder) {
            hubVae = hubRef("vae", idOrFolder);
            options.vaePath = hubVae == null ? Path.of(idOrFolder) : null;
            return this;
        }

        /**
         * Loads a second autoencoder used only for progress previews ({@link PreviewMode#TINY}, chosen by
         * {@link PreviewMode#AUTO}), while the final images still come from the model's VAE (or {@link #vae}): a
         * folder of diffusers' {@code AutoencoderTiny} (TAESD, e.g. a download of {@code madebyollin/taesd}), whose
         * decoder costs a small fraction of the VAE's. Its latent channels and scale must match the model's.
         *
         * @param folder the autoencoder folder ({@code config.json} + weights)
         * @return this
         */
        public Builder previewVae(Path folder) {
            options.previewVaePath = Objects.requireNonNull(folder, "previewVae");
            hubPreviewVae = null;
            return this;
        }

        /**
         * {@link #previewVae(Path)} by folder or by Hub id ({@code owner/name[@revision]}, e.g.
         * {@code "madebyollin/taesd"}), with the rule and download settings of {@link #vae(String)}.
         *
         * @param idOrFolder the autoencoder folder or Hub id
         * @return this
         */
        public Builder previewVae(String idOrFolder) {
            hubPreviewVae = hubRef("previewVae", idOrFolder);
            options.previewVaePath = hubPreviewVae == null ? Path.of(idOrFolder) : null;
            return this;
        }

        /** @return null when the argument is an existing folder, else the Hub repository it names */
        private static RepoRef hubRef(String param, String idOrFolder) {
            Objects.requireNonNull(idOrFolder, param);
            if (Files.isDirectory(Path.of(idOrFolder))) {
                return null;
            }
            try {
                return RepoRef.parse(idOrFolder);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(param + ": " + e.getMessage(), e);
            }
        }

        private Path download(String param, RepoRef ref, HubDownloader hub) {
            try {
                return hub.modelSnapshot(ref.repoId(), ref.revision(), options.variant, downloadListener);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(param + ": '" + ref + "' is not an existing folder, nor a Hub id: "
                        + e.getMessage(), e);
            }
        }

        /**
         * Fuses a LoRA ({@code .safetensors}, kohya or diffusers/PEFT names) into the UNet and text encoder weights
         * at build: {@code W + scale · (alpha / rank) · up · down}; no cost per step. May be called several times.
         *
         * @param file the LoRA file
         * @param scale its scale (1.0 = as trained)
         * @return this
         */
        public Builder lora(Path file, double scale) {
            Objects.requireNonNull(file, "lora");
            if (!Double.isFinite(scale)) {
                throw new IllegalArgumentException("lora: scale " + scale + " must be finite");
            }
            options.fusedLoras.add(new LoraFile.Use(file, scale));
            return this;
        }

        /**
         * Registers a LoRA that requests may apply by name ({@link GenerationRequest.Builder#lora(String, double)}):
         * applied per request as an unfused low-rank path, so concurrent requests with different LoRAs never see
         * each other's and the shared weights are never modified.
         *
         * @param name the name requests use
         * @param file the LoRA file
         * @return this
         */
        public Builder registerLora(String name, Path file) {
            Objects.requireNonNull(name, "registerLora");
            options.registeredLoras.put(name, Objects.requireNonNull(file, "registerLora"));
            return this;
        }

        /**
         * Loads every model once.
         *
         * @return the ready instance
         * @throws ModelLoadException when the folder or a file is missing or malformed
         */
        public SmallStableDiffusion build() {
            if (options.modelPath == null && hubModel == null && options.components == null) {
                throw new IllegalStateException("modelPath: no model folder, Hub id or components given");
            }
            if (options.modelPath == null && hubModel != null) {
                HubDownloader hub = new HubDownloader(hubOptions != null ? hubOptions : HubOptions.fromEnvironment());
                options.modelPath = hub.snapshot(hubModel, revision, options.variant, downloadListener);
                options.modelName = hubModel;
            }
            if (hubVae != null || hubPreviewVae != null) {
                HubDownloader hub = new HubDownloader(hubOptions != null ? hubOptions : HubOptions.fromEnvironment());
                if (hubVae != null) {
                    options.vaePath = download("vae", hubVae, hub);
                }
                if (hubPreviewVae != null) {
                    options.previewVaePath = download("previewVae", hubPreviewVae, hub);
                }
            }
            EngineSetup.start(options.threads); // before the first NDManager loads the engine
            NDManager manager = NDManager.newBaseManager();
            try {
                StableDiffusionPipeline p = PipelineLoader.load(options, manager);
                return new SmallStableDiffusion(p, manager);
            } catch (RuntimeException | Error e) {
                manager.close();
                throw e;
            }
        }
    }
}
