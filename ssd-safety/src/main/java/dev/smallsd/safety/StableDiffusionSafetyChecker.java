package dev.smallsd.safety;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.internal.io.CheckpointKeys;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.nn.Linear;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code StableDiffusionSafetyChecker}: the CLIP vision tower ({@code vision_model.vision_model.*}),
 * {@code visual_projection} (no bias), and the cosine similarity of the normalised image embedding with
 * {@code special_care_embeds} and {@code concept_embeds}, scored against {@code special_care_embeds_weights} and
 * {@code concept_embeds_weights} by {@link SafetyScoring}.
 *
 * <p>{@code cosine_distance(a, b) = normalize(a) @ normalize(b)^T} with {@code normalize(x) = x / max(|x|_2, 1e-12)}
 * per row, in float32 (it is a similarity, despite the name). The normalised concept embeddings are computed once.
 * The numbers of concepts and special-care concepts are the checkpoint's (17 and 3 in released checkpoints).
 *
 * <p>Immutable after construction and safe to call from several threads. The weights belong to the manager of the
 * {@link Weights} it was built from; each call's intermediates are closed before it returns.
 */
public final class StableDiffusionSafetyChecker {
    /** The number of concepts diffusers' constructor allocates (the checkpoint's count is used when loading). */
    public static final int DEFAULT_CONCEPTS = 17;
    /** The number of special-care concepts diffusers' constructor allocates. */
    public static final int DEFAULT_SPECIAL_CARE = 3;
    /** {@code torch.nn.functional.normalize}'s default {@code eps}. */
    private static final float NORMALIZE_EPS = 1e-12f;

    private final ClipVisionTransformer visionModel;
    private final Linear visualProjection;
    private final NDArray conceptEmbedsNormalizedT;
    private final NDArray specialCareEmbedsNormalizedT;
    private final float[] conceptEmbedsWeights;
    private final float[] specialCareEmbedsWeights;
    private final int projectionDim;
    private final int imageSize;
    private final long parameterCount;

    /**
     * Builds the checker, requesting every parameter from {@code w} by its checkpoint key.
     *
     * @param w weights view of the whole checker (keys {@code vision_model.vision_model.*},
     *     {@code visual_projection.weight}, {@code concept_embeds}, {@code special_care_embeds},
     *     {@code concept_embeds_weights}, {@code special_care_embeds_weights})
     * @param config {@code safety_checker/config.json}
     * @param numConcepts rows of {@code concept_embeds}
     * @param numSpecialCare rows of {@code special_care_embeds}
     * @throws IllegalArgumentException when a count is not positive
     */
    public StableDiffusionSafetyChecker(Weights w, SafetyCheckerConfig config, int numConcepts, int numSpecialCare) {
        if (numConcepts <= 0 || numSpecialCare <= 0) {
            throw new IllegalArgumentException("numConcepts (" + numConcepts + ") and numSpecialCare ("
                    + numSpecialCare + ") must be positive");
        }
        long before = w.parameterCount();
        this.projectionDim = config.projectionDim();
        this.imageSize = config.visionConfig().imageSize();
        this.visionModel = new ClipVisionTransformer(w.child("vision_model").child("vision_model"),
                config.visionConfig());
        this.visualProjection = new Linear(w.child("visual_projection"), config.visionConfig().hiddenSize(),
                projectionDim, false);
        this.conceptEmbedsNormalizedT = normalizedTransposed(w.get("concept_embeds", numConcepts, projectionDim));
        this.specialCareEmbedsNormalizedT = normalizedTransposed(w.get("special_care_embeds", numSpecialCare,
                projectionDim));
        this.conceptEmbedsWeights = values(w.get("concept_embeds_weights", numConcepts));
        this.specialCareEmbedsWeights = values(w.get("special_care_embeds_weights", numSpecialCare));
        this.parameterCount = w.parameterCount() - before;
    }

    /**
     * Loads the checker from its checkpoint ({@code model.safetensors} or {@code pytorch_model.bin}); the concept
     * counts are the shapes of {@code concept_embeds} and {@code special_care_embeds} in the file.
     *
     * @param config {@code safety_checker/config.json}
     * @param file the open checkpoint (the caller closes it)
     * @param manager owner of the weights
     * @return the checker
     * @throws ModelLoadException naming the file and every missing, mismatched or unexpected key
     */
    public static StableDiffusionSafetyChecker load(SafetyCheckerConfig config, TensorFile file, NDManager manager) {
        return Weights.load(file, manager, w -> new StableDiffusionSafetyChecker(w, config,
                rows(file, "concept_embeds", DEFAULT_CONCEPTS), rows(file, "special_care_embeds",
                        DEFAULT_SPECIAL_CARE)));
    }

    /**
     * The rows of a two-dimensional checkpoint tensor, or {@code fallback} when the file lacks it or it has another
     * rank (then {@link Weights#finish()} reports the key).
     */
    private static int rows(TensorFile file, String key, int fallback) {
        for (String name : file.names()) {
            if (!CheckpointKeys.isIgnorable(name) && CheckpointKeys.canonicalName(name).equals(key)) {
                long[] shape = file.info(name).shape();
                return shape.length == 2 && shape[0] > 0 && shape[0] <= Integer.MAX_VALUE ? (int) shape[0]
                        : fallback;
            }
        }
        return fallback;
    }

    /**
     * {@code normalize(embeds).T} as the transposed view torch's {@code .T} gives; the normalised array and the view
     * stay in the weights manager (out of any open scope) for the checker's lifetime.
     */
    private static NDArray normalizedTransposed(NDArray embeds) {
        NDArray normalized;
        try (NDArray norm = embeds.norm(2, new int[] {1}, true); NDArray clamped = norm.maximum(NORMALIZE_EPS)) {
            normalized = embeds.div(clamped);
        }
        Weights.keep(normalized);
        NDArray view = Weights.keep(normalized.transpose(1, 0));
        embeds.close();
        return view;
    }

    private static float[] values(NDArray a) {
        float[] v = a.toFloatArray();
        a.close();
        return v;
    }

    /**
     * Runs the checker on a batch: diffusers' {@code forward(clip_input, images)} without touching the images.
     *
     * @param clipInput the preprocessed images {@code [B, 3, image_size, image_size]} float32 (see
     *     {@link ClipImageProcessor})
     * @return one result per image, in batch order
     * @throws IllegalArgumentException when the input has the wrong shape
     */
    public List<SafetyResult> forward(NDArray clipInput) {
        return Scopes.compute(() -> {
            NDArray pooled = visionModel.pooledOutput(clipInput);
            NDArray imageEmbeds = visualProjection.forward(pooled);
            NDArray normalized = imageEmbeds.div(imageEmbeds.norm(2, new int[] {1}, true).maximum(NORMALIZE_EPS));
            NDArray specialCos = normalized.matMul(specialCareEmbedsNormalizedT);
            NDArray cos = normalized.matMul(conceptEmbedsNormalizedT);
            int batch = (int) clipInput.getShape().get(0);
            float[] pooledV = pooled.toFloatArray();
            float[] embedsV = imageEmbeds.toFloatArray();
            float[] specialV = specialCos.toFloatArray();
            float[] cosV = cos.toFloatArray();
            int hidden = pooledV.length / batch;
            int nSpecial = specialCareEmbedsWeights.length;
            int nConcepts = conceptEmbedsWeights.length;
            List<SafetyResult> out = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                out.add(SafetyScoring.score(slice(specialV, i, nSpecial), specialCareEmbedsWeights,
                        slice(cosV, i, nConcepts), conceptEmbedsWeights, slice(embedsV, i, projectionDim),
                        slice(pooledV, i, hidden)));
            }
            return out;
        });
    }

    private static float[] slice(float[] rows, int row, int width) {
        float[] out = new float[width];
        System.arraycopy(rows, row * width, out, 0, width);
        return out;
    }

    /** @return the vision tower's {@code image_size}: inputs are {@code [B, 3, imageSize, imageSize]} */
    public int imageSize() {
        return imageSize;
    }

    /** @return the vision tower */
    public ClipVisionTransformer visionModel() {
        return visionModel;
    }

    /** @return {@code concept_embeds_weights}, one threshold per concept (a copy) */
    public float[] conceptEmbedsWeights() {
        return conceptEmbedsWeights.clone();
    }

    /** @return {@code special_care_embeds_weights}, one threshold per special-care concept (a copy) */
    public float[] specialCareEmbedsWeights() {
        return specialCareEmbedsWeights.clone();
    }

    /** @return the number of concepts */
    public int numConcepts() {
        return conceptEmbedsWeights.length;
    }

    /** @return the number of special-care concepts */
    public int numSpecialCare() {
        return specialCareEmbedsWeights.length;
    }

    /** @return {@code projection_dim}, the width of the image embedding */
    public int projectionDim() {
        return projectionDim;
    }

    /** @return the number of parameter values this checker took from its {@link Weights} */
    public long parameterCount() {
        return parameterCount;
    }
}
