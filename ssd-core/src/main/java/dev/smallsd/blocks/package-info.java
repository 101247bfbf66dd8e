/**
 * The diffusers modules both the UNet and the VAE are built from (diffusers' {@code resnet.py},
 * {@code attention_processor.py}, {@code downsampling.py} / {@code upsampling.py}): {@link dev.smallsd.blocks.ResnetBlock2D},
 * {@link dev.smallsd.blocks.Attention}, {@link dev.smallsd.blocks.Downsample2D}, {@link dev.smallsd.blocks.Upsample2D}.
 * Parameter names are the checkpoint keys; every block is immutable and thread-safe.
 */
package dev.smallsd.blocks;
