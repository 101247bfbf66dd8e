/**
 * diffusers' {@code UNet2DConditionModel} (the noise predictor of Stable Diffusion v1) and its own blocks, one class
 * per diffusers class and named after it, with parameter names equal to the checkpoint keys:
 * {@link dev.smallsd.unet.Timesteps}, {@link dev.smallsd.unet.TimestepEmbedding},
 * {@link dev.smallsd.unet.Transformer2DModel}, {@link dev.smallsd.unet.BasicTransformerBlock},
 * {@link dev.smallsd.unet.FeedForward}, {@link dev.smallsd.unet.GEGLU}, the down/mid/up blocks (configured by a
 * {@link dev.smallsd.unet.UNetBlockSpec}) and {@link dev.smallsd.unet.UNet2DConditionModel}. The blocks shared with the
 * VAE (ResNet block, attention, samplers) are in {@link dev.smallsd.blocks}.
 *
 * <p>All modules are immutable after construction and thread-safe; every forward method runs in its own
 * {@link ai.djl.ndarray.NDScope} so intermediates are released when it returns.
 */
package dev.smallsd.unet;
