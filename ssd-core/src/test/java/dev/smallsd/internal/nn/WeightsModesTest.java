package dev.smallsd.internal.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.internal.io.SafeTensorsFile;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightsModesTest {

    @Test
    void shapesOnlyCountsWithoutValuesAndParametersSurviveAnOpenScope() {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = Weights.shapesOnly(m);
            NDArray big;
            GroupNorm gn;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                big = w.child("conv").get("weight", 1280, 2560, 3, 3);
                gn = new GroupNorm(w.child("norm"), 32, 64, 1e-5);
            }
            assertThat(big.isReleased()).isFalse();
            assertThat(big.getShape()).isEqualTo(new Shape(1280, 2560, 3, 3));
            assertThat(w.parameterCount()).isEqualTo(1280L * 2560 * 9 + 128);
            assertThat(gn.channels()).isEqualTo(64);
        }
    }

    @Test
    void groupNormCachesSurviveTheFirstCallsScope() {
        try (NDManager m = NDManager.newBaseManager()) {
            GroupNorm gn = new GroupNorm(Weights.random(3, m), 2, 4, 1e-5);
            NDArray x = m.randomNormal(new Shape(1, 4, 3, 3));
            float first;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                first = gn.forward(x).sum().getFloat();
            }
            assertThat(gn.forward(x).sum().getFloat()).isEqualTo(first);
        }
    }

    @Test
    void twoFileKeysForOneParameterAreRejected(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("dup.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            SafeTensors.write(file, Map.of("a.query.weight", m.ones(new Shape(2)), "a.to_q.weight",
                    m.ones(new Shape(2))), Map.of());
            try (SafeTensorsFile f = SafeTensors.open(file)) {
                assertThatThrownBy(() -> Weights.fromFile(f, m, k -> k.replace("query", "to_q"), k -> false))
                        .isInstanceOf(ModelLoadException.class).hasMessageContaining("dup.safetensors")
                        .hasMessageContaining("a.to_q.weight");
            }
        }
    }

    @Test
    void attentionSlicingBoundsTheScoreMatrix() {
        // 512x512 image, CFG batch 2, 8 heads, 4096 tokens: 256 KiB of scores per query; the 4 MiB budget would
        // allow 16 queries, the minimum slice makes it 64
        assertThat(AttentionSlicing.auto().sliceFor(16, 4096, 4096)).isEqualTo(64);
        assertThat(AttentionSlicing.auto().sliceFor(16, 1024, 1024)).isEqualTo(64);
        assertThat(AttentionSlicing.auto().sliceFor(16, 256, 256)).isZero();
        // VAE mid block at 512x512: one head, 4096 tokens
        assertThat(AttentionSlicing.auto().sliceFor(1, 4096, 4096)).isEqualTo(256);
        assertThat(AttentionSlicing.budget(4L << 20).sliceFor(16, 4096, 4096)).isEqualTo(16);
        assertThatThrownBy(() -> new AttentionSlicing(0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(AttentionSlicing.fixed(100).sliceFor(16, 4096, 77)).isEqualTo(100);
        assertThat(AttentionSlicing.fixed(5000).sliceFor(16, 4096, 77)).isZero();
        assertThat(AttentionSlicing.none().sliceFor(16, 4096, 4096)).isZero();
        assertThatThrownBy(() -> AttentionSlicing.fixed(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
