/**
 * <b>Internal to small-stable-diffusion</b>: public only so the library's own modules can share it; no compatibility
 * promise, and not part of the Javadoc. Use the API in {@code dev.smallsd} instead.
 *
 * <p>The diffusers modules both the UNet and the VAE are built from (diffusers' {@code resnet.py},
 * {@code attention_processor.py}, {@code downsampling.py} / {@code upsampling.py}): {@link dev.smallsd.internal.blocks.ResnetBlock2D},
 * {@link dev.smallsd.internal.blocks.Attention}, {@link dev.smallsd.internal.blocks.Downsample2D}, {@link dev.smallsd.internal.blocks.Upsample2D}.
 * Parameter names are the checkpoint keys; every block is immutable and thread-safe.
 */
package dev.smallsd.internal.blocks;
