package dev.smallsd.internal.unet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.io.config.UNet2DConditionConfig;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.testing.Golden;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Input shapes the golden cases do not cover, and input validation. */
class UNetShapesTest {

    @Test
    void oddLatentSizesUpsampleToTheSkipConnectionSize() {
        UNet2DConditionConfig config = ModelDirectory.open(Golden.tinyModel()).unetConfig();
        try (NDManager m = NDManager.newBaseManager()) {
            UNet2DConditionModel model = new UNet2DConditionModel(config, Weights.random(7, m));
            NDArray sample = m.randomNormal(new Shape(1, config.inChannels(), 9, 11));
            NDArray ehs = m.randomNormal(new Shape(1, 5, config.crossAttentionDim()));
            List<String> shapes = new ArrayList<>();
            NDArray out = model.forward(sample, m.create(new float[] {10.5f}), ehs,
                    (name, v) -> shapes.add(name + v.getShape()));
            assertThat(out.getShape()).isEqualTo(new Shape(1, config.outChannels(), 9, 11));
            assertThat(shapes).containsAll(expectedBlockShapes(config.blockOutChannels(), 9, 11));
        }
    }

    /**
     * What diffusers' UNet gives for a {@code [1, C, h, w]} sample, derived from the config: every down block but the
     * last halves the size with a stride-2 3x3 convolution (padding 1: {@code ceil(n / 2)}); block {@code i} ends
     * with {@code block_out_channels[i]} channels; the mid block keeps the smallest size; up block {@code j} ends
     * with the reversed channels and is upsampled to its skip connection's size.
     */
    static List<String> expectedBlockShapes(List<Integer> channels, long h, long w) {
        int n = channels.size();
        long[][] sizes = new long[n][];
        sizes[0] = new long[] {h, w};
        for (int k = 1; k < n; k++) {
            sizes[k] = new long[] {(sizes[k - 1][0] + 1) / 2, (sizes[k - 1][1] + 1) / 2};
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[] s = sizes[Math.min(i + 1, n - 1)];
            out.add("down_blocks." + i + new Shape(1, channels.get(i), s[0], s[1]));
        }
        out.add("mid_block" + new Shape(1, channels.get(n - 1), sizes[n - 1][0], sizes[n - 1][1]));
        for (int j = 0; j < n; j++) {
            long[] s = sizes[Math.max(n - 2 - j, 0)];
            out.add("up_blocks." + j + new Shape(1, channels.get(n - 1 - j), s[0], s[1]));
        }
        return out;
    }

    @Test
    void wrongInputsAreRejectedWithTheReason() {
        UNet2DConditionConfig config = ModelDirectory.open(Golden.tinyModel()).unetConfig();
        try (NDManager m = NDManager.newBaseManager()) {
            UNet2DConditionModel model = new UNet2DConditionModel(config, Weights.shapesOnly(m));
            NDArray sample = m.zeros(new Shape(2, config.inChannels(), 8, 8));
            NDArray ehs = m.zeros(new Shape(2, 77, config.crossAttentionDim()));
            assertThatThrownBy(() -> model.forward(sample, m.create(new long[] {1, 2, 3}), ehs))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 timesteps for a batch of 2");
            assertThatThrownBy(() -> model.forward(sample, m.create(new long[] {1}), m.zeros(new Shape(2, 77, 7))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("encoder_hidden_states");
            assertThatThrownBy(() -> model.forward(m.zeros(new Shape(2, 3, 8, 8)), 1, ehs))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sample must be");
        }
    }
}
