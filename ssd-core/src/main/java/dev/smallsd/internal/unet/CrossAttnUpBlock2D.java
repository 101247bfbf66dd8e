package dev.smallsd.internal.unet;

import dev.smallsd.internal.nn.Weights;

/**
 * diffusers' {@code CrossAttnUpBlock2D}: for each of {@code num_layers} layers, the last unused skip connection is
 * concatenated to the hidden states along channels, then {@code resnets.i} (ResnetBlock2D) and {@code attentions.i}
 * ({@link Transformer2DModel}); then an optional {@code upsamplers.0} (Upsample2D). Immutable and thread-safe.
 */
public final class CrossAttnUpBlock2D extends UNetUpBlock {

    /**
     * @param w weights view of this block (e.g. {@code up_blocks.1})
     * @param spec its arguments ({@code num_layers = layers_per_block + 1} resnet/attention pairs)
     */
    public CrossAttnUpBlock2D(Weights w, UNetBlockSpec spec) {
        super(spec.upResnets(w), spec.transformers(w, "CrossAttnUpBlock2D"), spec.upsampler(w));
    }
}
