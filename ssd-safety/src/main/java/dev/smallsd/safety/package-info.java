/**
 * The CLIP-embedding safety checker of Stable Diffusion and its CLIP image preprocessing.
 *
 * <p>{@link dev.smallsd.safety.StableDiffusionSafetyChecker} is diffusers' {@code StableDiffusionSafetyChecker}
 * (CLIP vision tower, {@code visual_projection}, cosine similarity with the concept and special-care embeddings),
 * {@link dev.smallsd.safety.SafetyScoring} its scalar decision rule and {@link dev.smallsd.safety.SafetyResult} the
 * per-image outcome. {@link dev.smallsd.safety.ClipSafetyChecker} combines it with the feature extractor and is what
 * the pipeline calls once per batch. The CLIP vision tower is {@link dev.smallsd.safety.ClipVisionTransformer} (with
 * {@link dev.smallsd.safety.ClipVisionEmbeddings}; its encoder layers are core's {@code dev.smallsd.internal.clip}, shared
 * with the text encoder), configured by {@link dev.smallsd.safety.SafetyCheckerConfig} /
 * {@link dev.smallsd.safety.ClipVisionConfig}; the preprocessing by {@link dev.smallsd.safety.FeatureExtractorConfig}.
 *
 * <p>Preprocessing reproduces transformers' {@code CLIPImageProcessor} (formerly {@code CLIPFeatureExtractor}) on
 * PIL exactly: {@link dev.smallsd.safety.ClipImageProcessor} runs the configured resize, centre crop, rescale and
 * normalisation; {@link dev.smallsd.safety.PilResize} and {@link dev.smallsd.safety.PilFilter} are Pillow's
 * fixed-point separable resampler and its filters; {@link dev.smallsd.safety.Rgb8Image} is the 8-bit RGB image they
 * work on, with diffusers' {@code numpy_to_pil} rounding and PIL's {@code convert("RGB")}.
 */
package dev.smallsd.safety;
