package dev.smallsd.internal.vae;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.io.config.AutoencoderKLConfig;
import dev.smallsd.internal.nn.Activations;
import dev.smallsd.internal.nn.AttentionSlicing;
import dev.smallsd.internal.nn.Conv2d;
import dev.smallsd.internal.nn.GroupNorm;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Tensors;
import dev.smallsd.internal.nn.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' VAE {@code Encoder}: {@code conv_in} (3×3), {@code down_blocks} ({@link DownEncoderBlock2D}, all but the
 * last with a downsampler of padding 0), {@code mid_block} ({@link UNetMidBlock2D}), {@code conv_norm_out}
 * (GroupNorm eps 1e-6), activation, {@code conv_out} (3×3) to {@code 2·latent} channels ({@code double_z}). All
 * norms use eps 1e-6. Immutable and thread-safe.
 *
 * <p>Like the {@link Decoder}, it holds its activations channels-last when the TorchScript kernels are there
 * ({@link Tensors#channelsLast}; measured 1.15× faster encode at 256×256) and returns a row-major result.
 */
public final class Encoder {
    private static final double EPS = 1e-6;

    private final Conv2d convIn;
    private final List<DownEncoderBlock2D> downBlocks;
    private final UNetMidBlock2D midBlock;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;
    private final String act;

    /**
     * @param w weights view ({@code encoder})
     * @param config the VAE config: {@code in_channels} image channels, {@code 2 × latent_channels} out
     *     ({@code double_z}), {@code block_out_channels}, {@code layers_per_block} resnets per block,
     *     {@code norm_num_groups}, {@code act_fn}; the mid block has its attention
     */
    public Encoder(Weights w, AutoencoderKLConfig config) {
        List<Integer> blockOutChannels = config.blockOutChannels();
        int normNumGroups = config.normNumGroups();
        String act = config.actFn();
        this.act = Activations.require(act, "act_fn");
        int first = blockOutChannels.get(0);
        int last = blockOutChannels.get(blockOutChannels.size() - 1);
        this.convIn = new Conv2d(w.child("conv_in"), config.inChannels(), first, 3, 1, 1, true);
        List<DownEncoderBlock2D> blocks = new ArrayList<>();
        int output = first;
        for (int i = 0; i < blockOutChannels.size(); i++) {
            int input = output;
            output = blockOutChannels.get(i);
            boolean isFinal = i == blockOutChannels.size() - 1;
            blocks.add(new DownEncoderBlock2D(w.child("down_blocks").child(i), config.layersPerBlock(), input,
                    output, EPS, act, normNumGroups, !isFinal, 0));
        }
        this.downBlocks = List.copyOf(blocks);
        this.midBlock = new UNetMidBlock2D(w.child("mid_block"), last, EPS, act, normNumGroups, 1.0, last, true);
        this.convNormOut = new GroupNorm(w.child("conv_norm_out"), normNumGroups, last, EPS);
        this.convOut = new Conv2d(w.child("conv_out"), last, 2 * config.latentChannels(), 3, 1, 1, true);
    }

    /**
     * @param x image {@code [N, in, H, W]}
     * @param slicing attention slicing of the mid block
     * @return moments {@code [N, 2·latent, H/f, W/f]}
     */
    public NDArray forward(NDArray x, AttentionSlicing slicing) {
        return Scopes.run(() -> {
            // channels-last from here to the output with the kernel module, as in the decoder
            NDArray h = Tensors.channelsLast(convIn.forward(x));
            for (DownEncoderBlock2D b : downBlocks) {
                h = b.forward(h);
            }
            h = midBlock.forward(h, slicing);
            return Tensors.contiguous(convOut.forward(convNormOut.forward(h, act)));
        });
    }
}
