package dev.smallsd.unet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.io.ModelDirectory;
import dev.smallsd.io.config.UNet2DConditionConfig;
import dev.smallsd.nn.Weights;
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
            assertThat(shapes).contains("down_blocks.0(1, 32, 5, 6)", "mid_block(1, 64, 2, 2)",
                    "up_blocks.0(1, 64, 3, 3)", "up_blocks.1(1, 64, 5, 6)", "up_blocks.2(1, 64, 9, 11)");
        }
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
