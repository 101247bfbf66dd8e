package dev.smallsd.internal.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.LoraUse;
import dev.smallsd.PromptSyntax;
import dev.smallsd.SafetyChecker;
import dev.smallsd.SafetyMode;
import dev.smallsd.Timings;
import dev.smallsd.internal.lora.LoraPromptTags;
import dev.smallsd.internal.lora.RegisteredLoras;
import dev.smallsd.internal.nn.LowRankAdapters;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.schedulers.Img2ImgStart;
import dev.smallsd.schedulers.NoiseSource;
import dev.smallsd.schedulers.Scheduler;
import dev.smallsd.schedulers.SchedulerRun;
import dev.smallsd.schedulers.SchedulerType;
import dev.smallsd.schedulers.StepOptions;
import dev.smallsd.schedulers.StepResult;
import dev.smallsd.schedulers.TorchGenerator;
import dev.smallsd.internal.text.ClipTextModel;
import dev.smallsd.internal.text.ClipTokenizer;
import dev.smallsd.internal.text.WeightedPromptEncoder;
import dev.smallsd.internal.unet.UNet2DConditionModel;
import dev.smallsd.internal.vae.Autoencoder;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * diffusers' {@code StableDiffusionPipeline} and {@code StableDiffusionImg2ImgPipeline} in one class, read top to
 * bottom in {@link #run}: encode the prompts, make the initial latents, denoise, decode, check safety.
 *
 * <p>Stateless between runs and safe for concurrent runs: every run has its own generator, scheduler run and array
 * scope. Applications use {@link dev.smallsd.SmallStableDiffusion}; this class is the internal engine it drives,
 * built only by {@link PipelineLoader} (tests reach an instance's engine through {@link InternalAccess}).
 */
public final class StableDiffusionPipeline implements AutoCloseable {
    private final ClipTokenizer tokenizer;
    private final ClipTextModel textEncoder;
    private final WeightedPromptEncoder weightedEncoder;
    private final UNet2DConditionModel unet;
    private final Autoencoder vae;
    private final Scheduler defaultScheduler;
    private final Function<SchedulerType, Scheduler> schedulerFactory;
    private final SafetyChecker safetyChecker;
    private final SafetyMode safetyMode;
    private final NDManager manager;
    private final String modelName;
    private final RegisteredLoras loras;
    private final PreviewDecoder previews;

    /**
     * @param tokenizer the CLIP tokenizer
     * @param textEncoder the CLIP text encoder
     * @param unet the denoising UNet
     * @param vae the autoencoder (the model's VAE or a tiny autoencoder)
     * @param defaultScheduler the scheduler used when a request names none
     * @param schedulerFactory builds a scheduler of a requested type from the model's scheduler config
     * @param safetyChecker the checker, or {@code null}
     * @param safetyMode what to do with flagged images
     * @param manager the manager under which each run creates its own sub-manager
     * @param modelName the model name written into PNG parameters
     */
    StableDiffusionPipeline(ClipTokenizer tokenizer, ClipTextModel textEncoder, UNet2DConditionModel unet,
            Autoencoder vae, Scheduler defaultScheduler, Function<SchedulerType, Scheduler> schedulerFactory,
            SafetyChecker safetyChecker,
            SafetyMode safetyMode, NDManager manager, String modelName) {
        this(tokenizer, textEncoder, unet, vae, defaultScheduler, schedulerFactory, safetyChecker, safetyMode, manager,
                modelName, RegisteredLoras.NONE, new PreviewDecoder(vae, null));
    }

    private StableDiffusionPipeline(ClipTokenizer tokenizer, ClipTextModel textEncoder, UNet2DConditionModel unet,
            Autoencoder vae, Scheduler defaultScheduler,
            Function<SchedulerType, Scheduler> schedulerFactory, SafetyChecker safetyChecker,
            SafetyMode safetyMode, NDManager manager, String modelName, RegisteredLoras loras,
            PreviewDecoder previews) {
        this.loras = loras;
        this.previews = previews;
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.weightedEncoder = new WeightedPromptEncoder(tokenizer, textEncoder);
        this.unet = unet;
        this.vae = vae;
        this.defaultScheduler = defaultScheduler;
        this.schedulerFactory = schedulerFactory;
        this.safetyChecker = safetyMode == SafetyMode.OFF ? null : safetyChecker;
        this.safetyMode = safetyMode;
        this.manager = manager;
        this.modelName = modelName;
    }

    /**
     * @param registered LoRAs that requests may name ({@link GenerationRequest#loras()})
     * @return a pipeline sharing this one's models that accepts those LoRAs per request
     */
    public StableDiffusionPipeline withLoras(RegisteredLoras registered) {
        return new StableDiffusionPipeline(tokenizer, textEncoder, unet, vae, defaultScheduler, schedulerFactory,
                safetyChecker, safetyMode, manager, modelName, registered, previews);
    }

    /**
     * @param previewVae an autoencoder used only for progress previews ({@link dev.smallsd.PreviewMode#TINY}), or
     *     {@code null}
     * @return a pipeline sharing this one's models that decodes previews with it
     */
    public StableDiffusionPipeline withPreviewVae(Autoencoder previewVae) {
        return new StableDiffusionPipeline(tokenizer, textEncoder, unet, vae, defaultScheduler, schedulerFactory,
                safetyChecker, safetyMode, manager, modelName, loras, new PreviewDecoder(vae, previewVae));
    }

    /** @return the default image width and height in pixels ({@code sample_size × VAE factor}) */
    public int defaultSize() {
        Integer sample = unet.config().sampleSize();
        return (sample == null ? 64 : sample) * vae.spatialFactor();
    }

    /**
     * Checks a request against this model before any work: its parameters and its timesteps against the scheduler it
     * would run with.
     *
     * @param request the request
     * @throws IllegalArgumentException naming the first invalid parameter
     */
    public void validate(GenerationRequest request) {
        request.validate(schedulerFor(request).numTrainTimesteps());
        checkAgainstModel(request);
        for (LoraUse use : requestLoras(request)) {
            if (!loras.names().contains(use.name())) {
                throw new IllegalArgumentException("lora: no LoRA is registered under '" + use.name()
                        + "' (registered: " + loras.names() + ")");
            }
        }
    }

    private Scheduler schedulerFor(GenerationRequest request) {
        return request.scheduler() == null ? defaultScheduler : schedulerFactory.apply(request.scheduler());
    }

    /**
     * Runs one request.
     *
     * @param request the request
     * @param hooks test hooks ({@link PipelineHooks#NONE} for applications)
     * @param cancelled polled before every UNet call and before decoding; when it returns true the run stops with a
     *     {@link CancellationException}
     * @return the images
     */
    public GenerationResult run(GenerationRequest request, PipelineHooks hooks, BooleanSupplier cancelled) {
        return run(request, schedulerFor(request), hooks, cancelled);
    }

    /**
     * Runs one request with an explicit scheduler (internal: the golden tests use each case's exact config).
     *
     * @param request the request (its own scheduler type is ignored)
     * @param scheduler the scheduler
     * @param hooks test hooks
     * @param cancelled polled before every UNet call
     * @return the images
     */
    public GenerationResult run(GenerationRequest request, Scheduler scheduler, PipelineHooks hooks,
            BooleanSupplier cancelled) {
        List<LoraUse> uses = requestLoras(request);
        if (!uses.isEmpty()) { // the request's LoRAs: an unfused low-rank path on this thread only
            Map<NDArray, List<LowRankAdapters.Adapter>> adapters = loras.adapters(uses);
            return LowRankAdapters.with(adapters, () -> runWithLayers(request, scheduler, hooks, cancelled));
        }
        return runWithLayers(request, scheduler, hooks, cancelled);
    }

    /**
     * The request's LoRAs: those it names, then (A1111 syntax) the {@code <lora:name:w>} tags of its prompts, as
     * AUTOMATIC1111 activates them; the same tag in several prompts of a batch counts once.
     */
    private static List<LoraUse> requestLoras(GenerationRequest request) {
        if (request.promptSyntax() != PromptSyntax.A1111) {
            return request.loras();
        }
        List<LoraUse> uses = new ArrayList<>(request.loras());
        for (String prompt : request.prompts()) {
            for (LoraUse tag : LoraPromptTags.extract(prompt).loras()) {
                if (!uses.contains(tag)) {
                    uses.add(tag);
                }
            }
        }
        return uses;
    }

    private GenerationResult runWithLayers(GenerationRequest request, Scheduler scheduler, PipelineHooks hooks,
            BooleanSupplier cancelled) {
        request.validate(scheduler.numTrainTimesteps());
        long[] latentShape = checkAgainstModel(request);
        int factor = vae.spatialFactor();
        int width = (int) latentShape[3] * factor;
        int height = (int) latentShape[2] * factor;
        int batch = request.batchSize();
        PipelineHooks.Observer observer = hooks.observer() != null ? hooks.observer() : new PipelineHooks.Observer() {};
        long seed = request.seed() != null ? request.seed() : ThreadLocalRandom.current().nextLong(1L << 32);
        NoiseSource noise = hooks.noise() != null ? hooks.noise() : new TorchGenerator(seed);
        boolean cfg = request.doClassifierFreeGuidance();
        long t0 = System.nanoTime();

        try (NDManager rm = manager.newSubManager(); NDScope scope = new NDScope();
                SchedulerRun run = scheduler.newRun(request.steps())) {
            scope.suppressNotUsedWarning();
            // 1. Prompt encoding: [uncond | cond] once per request, each repeated imagesPerPrompt times.
            NDArray context = encodePrompts(request, cfg, rm, observer);

            // 2. Timesteps and initial latents.
            double[] timesteps = run.timesteps();
            NDArray latents;
            Inpainting inpainting = null;
            if (request.isInpainting()) {
                timesteps = run.startForStrength(request.strength()).timesteps();
                inpainting = Inpainting.prepare(request.initImage(), request.maskImage(), request.strength(), vae,
                        unet.config().inChannels(), width, height, batch, cfg, timesteps, run, noise, rm);
                latents = inpainting.latents();
            } else if (request.isImageToImage()) {
                Img2ImgStart start = run.startForStrength(request.strength());
                timesteps = start.timesteps();
                latents = imageToImageLatents(request, width, height, batch, timesteps, run, noise, rm);
            } else if (request.latents() != null) {
                latents = rm.create(request.latents(), new Shape(latentShape)).mul((float) run.initNoiseSigma());
            } else {
                latents = noise.next(new Shape(latentShape), rm).mul((float) run.initNoiseSigma());
            }
            observer.onInitialLatents(latents);
            long t1 = System.nanoTime();

            // 3. Denoising loop: one batched UNet call per step, guidance, scheduler step.
            StepOptions options = StepOptions.DEFAULT.withEta(request.eta());
            for (int i = 0; i < timesteps.length; i++) {
                checkCancelled(cancelled, "after " + i + " of " + timesteps.length + " steps");
                double t = timesteps[i];
                NDArray next;
                try (NDScope step = new NDScope()) {
                    step.suppressNotUsedWarning();
                    NDArray modelInput = cfg ? NDArrays.concat(new NDList(latents, latents)) : latents;
                    modelInput = run.scaleModelInput(modelInput, t);
                    if (inpainting != null) { // an inpainting UNet also sees the mask and the masked image
                        modelInput = inpainting.unetInput(modelInput);
                    }
                    NDArray tArr = timestepArray(t, modelInput.getShape().get(0), run.integerTimesteps(), rm);
                    NDArray eps = unet.forward(modelInput, tArr, context);
                    observer.onUnetCall(i, modelInput, tArr, eps);
                    if (cfg) {
                        NDList halves = eps.split(2);
                        NDArray uncond = halves.get(0);
                        eps = uncond.add(halves.get(1).sub(uncond).mul((float) request.guidanceScale()));
                    }
                    StepResult r = run.step(eps, t, latents, options, noise);
                    next = r.prevSample();
                    if (inpainting != null) { // a 4-channel UNet: the known region, re-noised to the next timestep
                        next = inpainting.blend(next, i, timesteps, run);
                    }
                    NDScope.unregister(next);
                }
                latents.close();
                latents = next;
                NDScope.register(latents);
                observer.onStepLatents(i, latents);
                if (request.listener() instanceof ProgressAdapter progress) {
                    progress.report(i + 1, timesteps.length, request.steps(), t, latents,
                            x -> previews(progress.previewMode(), x));
                } else if (request.listener() != null) {
                    request.listener().onStep(i + 1, timesteps.length, t, latents);
                }
            }
            long t2 = System.nanoTime();
            checkCancelled(cancelled, "before decoding");

            // 4. Decode: image = vae.decode(latents / scaling_factor), (x / 2 + 0.5).clamp(0, 1), NHWC.
            NDArray images = decode(latents);
            observer.onDecoded(images);
            long t3 = System.nanoTime();

            // 5. Safety check, once per batch.
            List<Boolean> flags = safetyFlags(images, safetyChecker != null);
            long t4 = System.nanoTime();
            List<BufferedImage> out = Images.toBufferedImages(images, flags, safetyMode == SafetyMode.BLOCK);
            List<String> params = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                params.add(Parameters.a1111(request, i, scheduler, width, height, seed, modelName));
            }
            Timings timings = new Timings(ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t4 - t3), ms(System.nanoTime() - t0));
            return new GenerationResult(out, seed, flags, timings, params, scheduler.className(), modelName);
        }
    }

    /** diffusers: {@code image = vae.decode(latents / scaling_factor)}, {@code (x / 2 + 0.5).clamp(0, 1)}, NHWC. */
    private NDArray decode(NDArray latents) {
        return vae.decodeImages(latents);
    }

    /**
     * Preview images of the current latents in the request's mode (no extra draws from the generator); with a safety
     * checker in {@link SafetyMode#BLOCK} mode, flagged previews are black too.
     */
    private List<BufferedImage> previews(dev.smallsd.PreviewMode mode, NDArray latents) {
        return Scopes.compute(() -> {
            NDArray images = previews.images(mode, latents);
            boolean block = safetyChecker != null && safetyMode == SafetyMode.BLOCK;
            return Images.toBufferedImages(images, safetyFlags(images, block), block);
        });
    }

    /** The safety checker's flags for decoded images (one per image), or none when {@code check} is false. */
    private List<Boolean> safetyFlags(NDArray images, boolean check) {
        List<Boolean> flags = new ArrayList<>();
        if (check) {
            for (boolean b : safetyChecker.check(images)) {
                flags.add(b);
            }
        }
        return flags;
    }

    /**
     * The checks of a request that depend on this model: the image size against the autoencoder, the UNet's input
     * channels, explicit latents against the latent shape.
     *
     * @return the latent shape {@code [batch, channels, height / factor, width / factor]}
     */
    private long[] checkAgainstModel(GenerationRequest request) {
        int width = request.width() != null ? request.width() : request.isImageToImage()
                ? request.initImage().getWidth() / 8 * 8 : defaultSize();
        int height = request.height() != null ? request.height() : request.isImageToImage()
                ? request.initImage().getHeight() / 8 * 8 : defaultSize();
        int factor = vae.spatialFactor();
        if (width % factor != 0 || height % factor != 0) {
            throw new IllegalArgumentException("width/height: " + width + "x" + height + " must be multiples of "
                    + factor);
        }
        if (unet.config().inChannels() != vae.latentChannels() && !request.isInpainting()) {
            throw new IllegalArgumentException("maskImage: this UNet has " + unet.config().inChannels()
                    + " input channels (an inpainting UNet): it needs an initImage and a maskImage");
        }
        if (request.listener() instanceof ProgressAdapter p && p.previewMode() != null) {
            previews.resolve(p.previewMode()); // previewMode: one this instance cannot make
        }
        long[] latentShape = {request.batchSize(), vae.latentChannels(), height / factor, width / factor};
        if (request.latents() != null && request.latents().length != new Shape(latentShape).size()) {
            throw new IllegalArgumentException("latents: " + request.latents().length + " values, expected "
                    + new Shape(latentShape).size() + " for shape " + Arrays.toString(latentShape));
        }
        return latentShape;
    }

    private NDArray encodePrompts(GenerationRequest request, boolean cfg, NDManager rm,
            PipelineHooks.Observer observer) {
        if (request.promptSyntax() == PromptSyntax.A1111) {
            return encodeWeighted(request, cfg, rm);
        }
        NDArray cond = encode(request.prompts(), request.clipSkip(), rm, observer);
        NDArray condRep = repeatPerImage(cond, request.imagesPerPrompt());
        if (!cfg) {
            return condRep;
        }
        List<String> negatives = request.negativePrompts().isEmpty()
                ? Collections.nCopies(request.prompts().size(), "") : request.negativePrompts();
        NDArray uncond = encode(negatives, request.clipSkip(), rm, observer);
        return NDArrays.concat(new NDList(repeatPerImage(uncond, request.imagesPerPrompt()), condRep));
    }

    /**
     * A1111 syntax: prompts and negative prompts encoded by the text side to one common length (77 · chunks), so the
     * batch stays {@code [uncond | cond]} as in the plain path.
     */
    private NDArray encodeWeighted(GenerationRequest request, boolean cfg, NDManager rm) {
        List<String> texts = new ArrayList<>();
        if (cfg) {
            texts.addAll(request.negativePrompts().isEmpty()
                    ? Collections.nCopies(request.prompts().size(), "") : request.negativePrompts());
        }
        for (String prompt : request.prompts()) {
            texts.add(LoraPromptTags.extract(prompt).prompt()); // <lora:...> tags select LoRAs, they are not text
        }
        NDArray all = weightedEncoder.encode(texts, request.clipSkip(), rm);
        if (!cfg) {
            return repeatPerImage(all, request.imagesPerPrompt());
        }
        NDList halves = all.split(2);
        return NDArrays.concat(new NDList(repeatPerImage(halves.get(0), request.imagesPerPrompt()),
                repeatPerImage(halves.get(1), request.imagesPerPrompt())));
    }

    private NDArray encode(List<String> prompts, int clipSkip, NDManager rm, PipelineHooks.Observer observer) {
        long[][] ids = tokenizer.encode(prompts);
        NDArray idArr = rm.create(ids);
        NDArray emb = textEncoder.encode(idArr, clipSkip);
        observer.onTextEncoded(idArr, emb);
        return emb;
    }

    /** diffusers: {@code embeds.repeat(1, n, 1).view(b * n, seq, -1)} — each prompt's rows stay together. */
    private static NDArray repeatPerImage(NDArray x, int n) {
        if (n == 1) {
            return x;
        }
        Shape s = x.getShape();
        return x.expandDims(1).repeat(1, n).reshape(s.get(0) * n, s.get(1), s.get(2));
    }

    private NDArray imageToImageLatents(GenerationRequest request, int width, int height, int batch,
            double[] timesteps, SchedulerRun run, NoiseSource noise, NDManager rm) {
        NDArray image = Images.toTensor(request.initImage(), width, height, rm);
        // retrieve_latents(vae.encode(image), generator): a posterior sample is the first draw of the generator
        NDArray x0 = vae.encodeLatents(image, noise, rm).mul((float) vae.scalingFactor());
        long images = x0.getShape().get(0);
        if (batch % images != 0) {
            throw new IllegalArgumentException("initImage: cannot spread " + images + " init images over " + batch
                    + " outputs");
        }
        if (batch > images) {
            x0 = x0.repeat(0, batch / images);
        }
        NDArray addNoise = noise.next(x0.getShape(), rm);
        double[] tStart = new double[batch];
        Arrays.fill(tStart, timesteps[0]);
        return run.addNoise(x0, addNoise, tStart);
    }

    private static NDArray timestepArray(double t, long batch, boolean integer, NDManager rm) {
        if (integer) {
            long[] v = new long[(int) batch];
            Arrays.fill(v, (long) t);
            return rm.create(v);
        }
        float[] v = new float[(int) batch];
        Arrays.fill(v, (float) t);
        return rm.create(v);
    }

    /**
     * Stops the run with a {@link CancellationException} when it was cancelled (a cancelled future, a closed
     * instance) or its thread was interrupted.
     */
    private static void checkCancelled(BooleanSupplier cancelled, String where) {
        if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
            throw new CancellationException("generation cancelled " + where);
        }
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000L;
    }

    /** @return the safety checker in use, or {@code null} */
    public SafetyChecker safetyChecker() {
        return safetyChecker;
    }

    /** Releases the tokenizer's and the safety checker's native memory (weights belong to their manager). */
    @Override
    public void close() {
        try {
            if (safetyChecker != null) {
                safetyChecker.close();
            }
        } finally {
            tokenizer.close();
        }
    }
}
