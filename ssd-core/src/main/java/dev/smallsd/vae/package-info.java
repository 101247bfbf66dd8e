/**
 * diffusers' {@code AutoencoderKL} (the Stable Diffusion VAE) and its blocks, one class per diffusers class and named
 * after it, with parameter names equal to the checkpoint keys: {@link dev.smallsd.vae.Encoder},
 * {@link dev.smallsd.vae.Decoder}, {@link dev.smallsd.vae.DownEncoderBlock2D}, {@link dev.smallsd.vae.UpDecoderBlock2D},
 * {@link dev.smallsd.vae.UNetMidBlock2D}, {@link dev.smallsd.vae.DiagonalGaussianDistribution} and
 * {@link dev.smallsd.vae.AutoencoderKL}, with optional tiled decoding ({@link dev.smallsd.vae.VaeTiling}).
 *
 * <p>All modules are immutable after construction and thread-safe.
 */
package dev.smallsd.vae;
