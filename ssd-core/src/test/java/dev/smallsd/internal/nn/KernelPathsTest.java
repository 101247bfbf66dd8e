package dev.smallsd.internal.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.blocks.Attention;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Each layer that uses the kernel module gives the values of its DJL fallback on random inputs. */
class KernelPathsTest {
    private static float kernelVsFallback(Supplier<NDArray> layer) {
        assertThat(TorchKernels.get()).as("kernel module loaded").isPresent();
        NDArray fused = layer.get();
        NDArray plain = KernelFallback.run(layer);
        assertThat(fused.getShape()).isEqualTo(plain.getShape());
        return fused.sub(plain).abs().max().getFloat();
    }

    @Test
    void multiHeadAttentionUnmaskedAndMasked() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(2, 37, 3 * 16));
            NDArray k = m.randomNormal(new Shape(2, 11, 3 * 16));
            NDArray v = m.randomNormal(new Shape(2, 11, 3 * 16));
            assertThat(kernelVsFallback(() -> ScaledDotProductAttention.multiHead(q, k, v, 3, null, 0)))
                    .isLessThan(1e-5f);
            // sliced fallback: same values as the kernel, which ignores the slice size
            assertThat(kernelVsFallback(() -> ScaledDotProductAttention.multiHead(q, k, v, 3, null, 8)))
                    .isLessThan(1e-5f);
            // a causal mask over self-attention, as the CLIP text tower builds it
            float[] upper = new float[37 * 37];
            for (int i = 0; i < 37; i++) {
                for (int j = i + 1; j < 37; j++) {
                    upper[i * 37 + j] = Float.NEGATIVE_INFINITY;
                }
            }
            NDArray causal = m.create(upper, new Shape(37, 37));
            assertThat(kernelVsFallback(() -> ScaledDotProductAttention.multiHead(q, q, q, 3, causal, 0)))
                    .isLessThan(1e-5f);
        }
    }

    @Test
    void groupNormAloneAndWithSilu() {
        try (NDManager m = NDManager.newBaseManager()) {
            GroupNorm norm = new GroupNorm(Weights.random(5, m), 4, 16, 1e-6);
            NDArray x = m.randomNormal(new Shape(2, 16, 6, 5)).mul(3).add(1);
            assertThat(kernelVsFallback(() -> norm.forward(x))).isLessThan(1e-5f);
            assertThat(kernelVsFallback(() -> norm.forward(x, "silu"))).isLessThan(1e-5f);
            assertThat(kernelVsFallback(() -> norm.forward(x, "gelu"))).isLessThan(1e-5f);
            // an activation applied in place by the fallback must not be applied in place to a kernel result
            assertThat(kernelVsFallback(() -> norm.forward(x, "quick_gelu"))).isLessThan(1e-5f);
        }
    }

    @Test
    void spatialAttentionOnContiguousAndChannelsLastMaps() {
        try (NDManager m = NDManager.newBaseManager()) {
            Attention attention = new Attention(
                    Weights.random(9, m), Attention.Spec.spatial(32, 16, 8, 1e-6, 1.0));
            NDArray x = m.randomNormal(new Shape(1, 32, 5, 6));
            NDArray channelsLast = TorchKernels.get().orElseThrow().call("to_channels_last", x);
            NDArray expected = KernelFallback.run(() -> attention.forward(x, null, AttentionSlicing.auto()));
            for (NDArray input : new NDArray[] {x, channelsLast}) {
                NDArray out = attention.forward(input, null, AttentionSlicing.auto());
                assertThat(out.sub(expected).abs().max().getFloat()).isLessThan(1e-5f);
            }
        }
    }
}
