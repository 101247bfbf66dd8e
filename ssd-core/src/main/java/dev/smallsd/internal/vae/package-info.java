/**
 * <b>Internal to small-stable-diffusion</b>: public only so the library's own modules can share it; no compatibility
 * promise, and not part of the Javadoc. Use the API in {@code dev.smallsd} instead.
 *
 * <p>diffusers' {@code AutoencoderKL} (the Stable Diffusion VAE) and its blocks, one class per diffusers class and named
 * after it, with parameter names equal to the checkpoint keys: {@link dev.smallsd.internal.vae.Encoder},
 * {@link dev.smallsd.internal.vae.Decoder}, {@link dev.smallsd.internal.vae.DownEncoderBlock2D}, {@link dev.smallsd.internal.vae.UpDecoderBlock2D},
 * {@link dev.smallsd.internal.vae.UNetMidBlock2D}, {@link dev.smallsd.internal.vae.DiagonalGaussianDistribution} and
 * {@link dev.smallsd.internal.vae.AutoencoderKL}, with optional tiled decoding ({@link dev.smallsd.internal.vae.VaeTiling}).
 *
 * <p>All modules are immutable after construction and thread-safe.
 */
package dev.smallsd.internal.vae;
