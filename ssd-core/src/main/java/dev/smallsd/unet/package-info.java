/**
 * diffusers' {@code UNet2DConditionModel} (the noise predictor of Stable Diffusion v1) and its building blocks, one
 * class per diffusers class and named after it, with parameter names equal to the checkpoint keys:
 * {@link dev.smallsd.unet.Timesteps}, {@link dev.smallsd.unet.TimestepEmbedding},
 * {@link dev.smallsd.unet.ResnetBlock2D}, {@link dev.smallsd.unet.Transformer2DModel},
 * {@link dev.smallsd.unet.BasicTransformerBlock}, {@link dev.smallsd.unet.Attention},
 * {@link dev.smallsd.unet.FeedForward}, {@link dev.smallsd.unet.GEGLU}, {@link dev.smallsd.unet.Downsample2D},
 * {@link dev.smallsd.unet.Upsample2D}, the down/mid/up blocks and {@link dev.smallsd.unet.UNet2DConditionModel}.
 * {@code ResnetBlock2D}, {@code Attention} and the samplers are shared with the VAE ({@link dev.smallsd.vae}).
 *
 * <p>All modules are immutable after construction and thread-safe; every forward method runs in its own
 * {@link ai.djl.ndarray.NDScope} so intermediates are released when it returns.
 */
package dev.smallsd.unet;
