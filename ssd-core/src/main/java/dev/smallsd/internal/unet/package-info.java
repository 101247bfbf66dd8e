/**
 * <b>Internal to small-stable-diffusion</b>: public only so the library's own modules can share it; no compatibility
 * promise, and not part of the Javadoc. Use the API in {@code dev.smallsd} instead.
 *
 * <p>diffusers' {@code UNet2DConditionModel} (the noise predictor of Stable Diffusion v1) and its own blocks, one class
 * per diffusers class and named after it, with parameter names equal to the checkpoint keys:
 * {@link dev.smallsd.internal.unet.Timesteps}, {@link dev.smallsd.internal.unet.TimestepEmbedding},
 * {@link dev.smallsd.internal.unet.Transformer2DModel}, {@link dev.smallsd.internal.unet.BasicTransformerBlock},
 * {@link dev.smallsd.internal.unet.FeedForward}, {@link dev.smallsd.internal.unet.GEGLU}, the down/mid/up blocks (configured by a
 * {@link dev.smallsd.internal.unet.UNetBlockSpec}) and {@link dev.smallsd.internal.unet.UNet2DConditionModel}. The blocks shared with the
 * VAE (ResNet block, attention, samplers) are in {@link dev.smallsd.internal.blocks}.
 *
 * <p>All modules are immutable after construction and thread-safe; every forward method runs in its own
 * {@link ai.djl.ndarray.NDScope} so intermediates are released when it returns.
 */
package dev.smallsd.internal.unet;
