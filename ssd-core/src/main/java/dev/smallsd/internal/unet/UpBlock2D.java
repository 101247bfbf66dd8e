package dev.smallsd.internal.unet;

import dev.smallsd.internal.nn.Weights;
import java.util.List;

/**
 * diffusers' {@code UpBlock2D}: for each of {@code num_layers} layers, the last unused skip connection is
 * concatenated to the hidden states along channels, then {@code resnets.i} (ResnetBlock2D); then an optional
 * {@code upsamplers.0} (Upsample2D). Immutable and thread-safe.
 */
public final class UpBlock2D extends UNetUpBlock {

    /**
     * @param w weights view of this block (e.g. {@code up_blocks.0})
     * @param spec its arguments ({@code num_layers = layers_per_block + 1} resnets; heads and text width unused)
     */
    public UpBlock2D(Weights w, UNetBlockSpec spec) {
        super(spec.upResnets(w), List.of(), spec.upsampler(w));
    }
}
