package dev.smallsd.internal.unet;

import dev.smallsd.internal.nn.Weights;

/**
 * diffusers' {@code CrossAttnDownBlock2D}: {@code num_layers} pairs of {@code resnets.i} (ResnetBlock2D) and
 * {@code attentions.i} ({@link Transformer2DModel}), each pair's output kept as a skip connection, then an optional
 * {@code downsamplers.0} (Downsample2D) whose output is kept as well. Immutable and thread-safe.
 */
public final class CrossAttnDownBlock2D extends UNetDownBlock {

    /**
     * @param w weights view of this block (e.g. {@code down_blocks.0})
     * @param spec its arguments ({@code num_layers} resnet/attention pairs)
     */
    public CrossAttnDownBlock2D(Weights w, UNetBlockSpec spec) {
        super(spec.downResnets(w), spec.transformers(w, "CrossAttnDownBlock2D"), spec.downsampler(w));
    }
}
