package dev.smallsd.vae;

import ai.djl.ndarray.NDArray;
import dev.smallsd.nn.Activations;
import dev.smallsd.nn.AttentionSlicing;
import dev.smallsd.nn.Conv2d;
import dev.smallsd.nn.GroupNorm;
import dev.smallsd.nn.Scopes;
import dev.smallsd.nn.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' VAE {@code Encoder}: {@code conv_in} (3×3), {@code down_blocks} ({@link DownEncoderBlock2D}, all but the
 * last with a downsampler of padding 0), {@code mid_block} ({@link UNetMidBlock2D}), {@code conv_norm_out}
 * (GroupNorm eps 1e-6), activation, {@code conv_out} (3×3) to {@code 2·latent} channels ({@code double_z}). All
 * norms use eps 1e-6. Immutable and thread-safe.
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
     * @param inChannels image channels
     * @param outChannels latent channels (the output has twice as many)
     * @param blockOutChannels channels of each down block
     * @param layersPerBlock resnets per down block
     * @param normNumGroups GroupNorm groups
     * @param act activation name
     * @param midBlockAddAttention whether the mid block has its attention layer
     */
    public Encoder(Weights w, int inChannels, int outChannels, List<Integer> blockOutChannels, int layersPerBlock,
            int normNumGroups, String act, boolean midBlockAddAttention) {
        this.act = Activations.require(act, "act_fn");
        int first = blockOutChannels.get(0);
        int last = blockOutChannels.get(blockOutChannels.size() - 1);
        this.convIn = new Conv2d(w.child("conv_in"), inChannels, first, 3, 1, 1, true);
        List<DownEncoderBlock2D> blocks = new ArrayList<>();
        int output = first;
        for (int i = 0; i < blockOutChannels.size(); i++) {
            int input = output;
            output = blockOutChannels.get(i);
            boolean isFinal = i == blockOutChannels.size() - 1;
            blocks.add(new DownEncoderBlock2D(w.child("down_blocks").child(i), layersPerBlock, input, output, EPS, act,
                    normNumGroups, !isFinal, 0));
        }
        this.downBlocks = List.copyOf(blocks);
        this.midBlock = new UNetMidBlock2D(w.child("mid_block"), last, EPS, act, normNumGroups, 1.0, last,
                midBlockAddAttention);
        this.convNormOut = new GroupNorm(w.child("conv_norm_out"), normNumGroups, last, EPS);
        this.convOut = new Conv2d(w.child("conv_out"), last, 2 * outChannels, 3, 1, 1, true);
    }

    /**
     * @param x image {@code [N, in, H, W]}
     * @param slicing attention slicing of the mid block
     * @return moments {@code [N, 2·latent, H/f, W/f]}
     */
    public NDArray forward(NDArray x, AttentionSlicing slicing) {
        return Scopes.run(() -> {
            NDArray h = convIn.forward(x);
            for (DownEncoderBlock2D b : downBlocks) {
                h = b.forward(h);
            }
            h = midBlock.forward(h, slicing);
            return convOut.forward(Activations.applyInPlace(act, convNormOut.forward(h)));
        });
    }
}
