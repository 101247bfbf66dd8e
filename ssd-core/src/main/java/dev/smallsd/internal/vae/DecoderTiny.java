package dev.smallsd.internal.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.Precision;
import dev.smallsd.internal.nn.Activations;
import dev.smallsd.internal.nn.Bfloat16;
import dev.smallsd.internal.nn.Conv2d;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * diffusers' {@code DecoderTiny}: the latents are clamped softly ({@code tanh(x / 3) · 3}), then {@code layers}: a
 * 3×3 convolution and the activation, and per entry of {@code num_blocks} that many {@link AutoencoderTinyBlock}s,
 * a nearest-neighbour upsampling (all but the last entry) and a 3×3 convolution (bias only on the last, which maps to
 * the image channels). The output {@code x} in [0, 1] is returned as {@code 2x − 1}. Immutable and thread-safe.
 */
public final class DecoderTiny {
    private final List<UnaryOperator<NDArray>> layers = new ArrayList<>();
    private final Precision precision;

    /**
     * @param w weights view of the decoder ({@code decoder})
     * @param in latent channels
     * @param out image channels
     * @param numBlocks {@code num_decoder_blocks}
     * @param channels {@code decoder_block_out_channels}
     * @param upsampling {@code upsampling_scaling_factor}
     * @param act {@code act_fn}
     */
    public DecoderTiny(Weights w, int in, int out, List<Integer> numBlocks, List<Integer> channels, int upsampling,
            String act) {
        this.precision = w.precision();
        Weights lw = w.child("layers");
        Conv2d first = new Conv2d(lw.child(0), in, channels.get(0), 3, 1, 1, true);
        layers.add(first::forward);
        layers.add(x -> Activations.applyInPlace(act, x));
        int index = 2;
        for (int i = 0; i < numBlocks.size(); i++) {
            boolean last = i == numBlocks.size() - 1;
            int c = channels.get(i);
            for (int b = 0; b < numBlocks.get(i); b++) {
                AutoencoderTinyBlock block = new AutoencoderTinyBlock(lw.child(index++), c, c, act);
                layers.add(block::forward);
            }
            if (!last) {
                index++; // nn.Upsample has no parameters but takes an index of the Sequential
                layers.add(x -> upsample(x, upsampling));
            }
            Conv2d conv = new Conv2d(lw.child(index++), c, last ? out : c, 3, 1, 1, last);
            layers.add(conv::forward);
        }
    }

    private static NDArray upsample(NDArray x, int factor) {
        Shape s = x.getShape();
        return x.getNDArrayInternal().interpolation(new long[] {s.get(2) * factor, s.get(3) * factor}, 0, false);
    }

    /**
     * @param z latents {@code [N, in, h, w]}
     * @return the image {@code [N, out, h·f, w·f]}, nominally in [-1, 1]
     */
    public NDArray forward(NDArray z) {
        return Scopes.run(() -> {
            // the soft clamp and the final affine stay float32; the layers run in the weights' precision
            NDArray x = Bfloat16.in(precision, z.div(3f).tanh().muli(3f));
            for (UnaryOperator<NDArray> layer : layers) {
                x = layer.apply(x);
            }
            return Bfloat16.out(precision, x).mul(2f).subi(1f); // not in place: a kernel's result is read-only
        });
    }
}
