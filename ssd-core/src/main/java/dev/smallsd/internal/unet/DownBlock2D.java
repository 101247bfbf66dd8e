package dev.smallsd.internal.unet;

import dev.smallsd.internal.nn.Weights;
import java.util.List;

/**
 * diffusers' {@code DownBlock2D}: {@code num_layers} {@code resnets.i} (ResnetBlock2D), each output kept as a skip
 * connection, then an optional {@code downsamplers.0} (Downsample2D). Immutable and thread-safe.
 */
public final class DownBlock2D extends UNetDownBlock {

    /**
     * @param w weights view of this block
     * @param spec its arguments ({@code num_layers} resnets; heads and text width unused)
     */
    public DownBlock2D(Weights w, UNetBlockSpec spec) {
        super(spec.downResnets(w), List.of(), spec.downsampler(w));
    }
}
