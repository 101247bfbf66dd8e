package dev.smallsd.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.smallsd.blocks.ResnetBlock2D;
import dev.smallsd.blocks.Upsample2D;
import dev.smallsd.nn.AttentionSlicing;
import dev.smallsd.nn.Scopes;
import dev.smallsd.nn.Weights;
import java.util.List;

/**
 * diffusers' {@code CrossAttnUpBlock2D}: for each of {@code num_layers} layers, the last unused skip connection is
 * concatenated to the hidden states along channels, then {@code resnets.i} ({@link ResnetBlock2D}) and
 * {@code attentions.i} ({@link Transformer2DModel}); then an optional {@code upsamplers.0} ({@link Upsample2D}).
 * Immutable and thread-safe.
 */
public final class CrossAttnUpBlock2D implements UNetUpBlock {
    private final List<ResnetBlock2D> resnets;
    private final List<Transformer2DModel> attentions;
    private final Upsample2D upsampler;

    /**
     * @param w weights view of this block (e.g. {@code up_blocks.1})
     * @param spec its arguments ({@code num_layers = layers_per_block + 1} resnet/attention pairs)
     */
    public CrossAttnUpBlock2D(Weights w, UNetBlockSpec spec) {
        this.attentions = spec.transformers(w, "CrossAttnUpBlock2D");
        this.resnets = spec.upResnets(w);
        this.upsampler = spec.upsampler(w);
    }

    @Override
    public NDArray forward(NDArray x, List<NDArray> resHiddenStates, NDArray temb, NDArray encoderHiddenStates,
            long[] upsampleSize, AttentionSlicing slicing) {
        UpBlock2D.checkSkips(resHiddenStates, resnets.size(), "CrossAttnUpBlock2D");
        return Scopes.run(() -> {
            NDArray h = x;
            int last = resHiddenStates.size() - 1;
            for (int i = 0; i < resnets.size(); i++) {
                h = NDArrays.concat(new NDList(h, resHiddenStates.get(last - i)), 1);
                h = resnets.get(i).forward(h, temb);
                h = attentions.get(i).forward(h, encoderHiddenStates, slicing);
            }
            return upsampler == null ? h : upsampler.forward(h, upsampleSize);
        });
    }

    @Override
    public int resnetCount() {
        return resnets.size();
    }
}
