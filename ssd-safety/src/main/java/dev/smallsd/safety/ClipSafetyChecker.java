package dev.smallsd.safety;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.SafetyChecker;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.config.ModelIndex;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stable Diffusion's safety check as the pipeline runs it, once per batch (core's {@link SafetyChecker}, found
 * through {@link ClipSafetyCheckerProvider}): the decoded images are quantised and
 * preprocessed by the {@code feature_extractor} ({@link ClipImageProcessor}) and scored by the
 * {@code safety_checker} ({@link StableDiffusionSafetyChecker}).
 *
 * <p>{@link #check} gives the flags; {@link #evaluate} the full {@link SafetyResult} per image. Neither modifies the
 * images: the caller blacks out flagged images (see {@link #filter}) or keeps them, as its safety mode says.
 *
 * <p>Thread-safe; owns the manager of its weights, which {@link #close()} releases.
 */
public final class ClipSafetyChecker implements SafetyChecker {
    private static final Logger LOG = LoggerFactory.getLogger(ClipSafetyChecker.class);

    private final ClipImageProcessor processor;
    private final StableDiffusionSafetyChecker model;
    private final NDManager manager;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param processor the feature extractor
     * @param model the checker model
     * @param manager the manager owning the model's weights; this checker closes it
     */
    public ClipSafetyChecker(ClipImageProcessor processor, StableDiffusionSafetyChecker model, NDManager manager) {
        this.processor = processor;
        this.model = model;
        this.manager = manager;
    }

    /**
     * Loads the checker of a diffusers model folder: {@code safety_checker/config.json} and its weights
     * ({@code model.safetensors} or {@code pytorch_model.bin}, honouring the variant as diffusers does) and
     * {@code feature_extractor/preprocessor_config.json}.
     *
     * @param modelDirectory the folder with {@code model_index.json}
     * @param variant a weight variant such as {@code "fp16"}, or {@code null}; computation is float32 either way
     * @return the checker, or empty when {@code model_index.json} declares no safety checker (absent or null)
     * @throws ModelLoadException naming the file (and key) when a declared component is missing or malformed, or
     *     when a safety checker is declared without a feature extractor (diffusers refuses that too)
     */
    public static Optional<ClipSafetyChecker> load(Path modelDirectory, String variant) {
        ModelDirectory dir = ModelDirectory.open(modelDirectory);
        Optional<SafetyCheckerConfig> config = SafetyCheckerConfig.of(dir);
        if (config.isEmpty()) {
            return Optional.empty();
        }
        FeatureExtractorConfig fe = FeatureExtractorConfig.of(dir).orElseThrow(() -> new ModelLoadException(
                dir.root().orElseThrow().resolve(ModelIndex.FILE_NAME), "key '" + ModelDirectory.FEATURE_EXTRACTOR
                        + "': the pipeline has a safety_checker but no feature_extractor to prepare its input"));
        ClipImageProcessor processor;
        try {
            processor = new ClipImageProcessor(fe);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(dir.componentDir(ModelDirectory.FEATURE_EXTRACTOR)
                    .resolve(FeatureExtractorConfig.FILE_NAME), e.getMessage(), e);
        }
        NDManager manager = NDManager.newBaseManager();
        try (TensorFile f = dir.openWeights(ModelDirectory.SAFETY_CHECKER, variant, LOG::warn)) {
            long start = System.nanoTime();
            StableDiffusionSafetyChecker model = StableDiffusionSafetyChecker.load(config.get(), f, manager);
            LOG.info("safety checker loaded from {} in {} ms ({} concepts, {} special-care concepts)", f.path(),
                    (System.nanoTime() - start) / 1_000_000L, model.numConcepts(), model.numSpecialCare());
            return Optional.of(new ClipSafetyChecker(processor, model, manager));
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Checks a batch of decoded images.
     *
     * @param images float {@code [B, H, W, 3]} (or {@code [H, W, 3]}) in {@code [0, 1]}, as the pipeline decoded
     *     them; not modified
     * @return one flag per image, {@code true} when flagged
     * @throws IllegalArgumentException on a wrong shape or type, or a value outside {@code [0, 1]}
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public boolean[] check(NDArray images) {
        List<SafetyResult> results = evaluate(images);
        boolean[] flags = new boolean[results.size()];
        int flagged = 0;
        for (int i = 0; i < flags.length; i++) {
            flags[i] = results.get(i).nsfw();
            flagged += flags[i] ? 1 : 0;
        }
        if (flagged > 0) {
            LOG.warn("Potential NSFW content was detected in {} of {} images", flagged, flags.length);
        }
        return flags;
    }

    /**
     * Checks a batch of decoded images and returns everything the decision was made from.
     *
     * @param images float {@code [B, H, W, 3]} (or {@code [H, W, 3]}) in {@code [0, 1]}; not modified
     * @return one result per image, in batch order
     * @throws IllegalArgumentException on a wrong shape or type, or a value outside {@code [0, 1]}
     * @throws IllegalStateException after {@link #close()}
     */
    public List<SafetyResult> evaluate(NDArray images) {
        ensureOpen();
        try (NDManager m = manager.newSubManager()) {
            return model.forward(processor.preprocess(images, m));
        }
    }

    /**
     * What diffusers returns after the check: the images with every flagged one replaced by zeros (black).
     *
     * @param images {@code [B, H, W, C]} images
     * @param flags one flag per image
     * @return a new array (in {@code images}' manager) with flagged images zeroed (exactly {@code +0} for the
     *     finite, non-negative values a decoded image holds)
     * @throws IllegalArgumentException when the number of flags differs from the batch size
     */
    public static NDArray filter(NDArray images, boolean[] flags) {
        long batch = images.getShape().get(0);
        if (flags.length != batch) {
            throw new IllegalArgumentException("flags: " + flags.length + " flags for a batch of " + batch);
        }
        float[] keep = new float[flags.length];
        for (int i = 0; i < flags.length; i++) {
            keep[i] = flags[i] ? 0f : 1f;
        }
        long[] maskShape = new long[images.getShape().dimension()];
        Arrays.fill(maskShape, 1);
        maskShape[0] = batch;
        try (NDArray mask = images.getManager().create(keep, new Shape(maskShape));
                NDArray typed = mask.toType(images.getDataType(), true)) {
            return images.mul(typed);
        }
    }

    /** @return the image preprocessing */
    public ClipImageProcessor processor() {
        return processor;
    }

    /** @return the checker model */
    public StableDiffusionSafetyChecker model() {
        return model;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this safety checker is closed");
        }
    }

    /** Releases the weights. Idempotent; checks running concurrently must have finished. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            manager.close();
        }
    }
}
