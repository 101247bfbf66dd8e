package dev.smallsd.internal.vae;

import ai.djl.ndarray.NDArray;
import dev.smallsd.Precision;
import dev.smallsd.internal.nn.Bfloat16;
import dev.smallsd.internal.nn.Conv2d;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * diffusers' {@code EncoderTiny}: {@code layers} is a sequence of, per entry of {@code num_blocks}, a 3×3 convolution
 * (the first one from the image, the others stride 2 without bias) followed by that many
 * {@link AutoencoderTinyBlock}s, then a 3×3 convolution to the latent channels. The input in [-1, 1] is mapped to
 * [0, 1] first ({@code (x + 1) / 2}). Immutable and thread-safe.
 */
public final class EncoderTiny {
    private final List<UnaryOperator<NDArray>> layers = new ArrayList<>();
    private final Precision precision;

    /**
     * @param w weights view of the encoder ({@code encoder})
     * @param in image channels
     * @param out latent channels
     * @param numBlocks {@code num_encoder_blocks}
     * @param channels {@code encoder_block_out_channels}
     * @param act {@code act_fn}
     */
    public EncoderTiny(Weights w, int in, int out, List<Integer> numBlocks, List<Integer> channels, String act) {
        this.precision = w.precision();
        Weights lw = w.child("layers");
        int index = 0;
        for (int i = 0; i < numBlocks.size(); i++) {
            int c = channels.get(i);
            Conv2d conv = i == 0 ? new Conv2d(lw.child(index++), in, c, 3, 1, 1, true)
                    : new Conv2d(lw.child(index++), c, c, 3, 2, 1, false);
            layers.add(conv::forward);
            for (int b = 0; b < numBlocks.get(i); b++) {
                AutoencoderTinyBlock block = new AutoencoderTinyBlock(lw.child(index++), c, c, act);
                layers.add(block::forward);
            }
        }
        Conv2d last = new Conv2d(lw.child(index), channels.get(channels.size() - 1), out, 3, 1, 1, true);
        layers.add(last::forward);
    }

    /**
     * @param image {@code [N, in, H, W]} in [-1, 1]
     * @return latents {@code [N, out, H/f, W/f]}
     */
    public NDArray forward(NDArray image) {
        return Scopes.run(() -> {
            NDArray x = Bfloat16.in(precision, image.add(1f).divi(2f));
            for (UnaryOperator<NDArray> layer : layers) {
                x = layer.apply(x);
            }
            return Bfloat16.out(precision, x);
        });
    }
}
