package dev.smallsd.internal.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The in-memory TorchScript module loads here and each method agrees with the plain DJL formulation. */
class TorchKernelsTest {
    private static TorchKernels kernels() {
        return TorchKernels.get().orElseThrow(() -> new AssertionError("kernel module did not load"));
    }

    @Test
    void fusedAttentionEqualsTheScoreMatrixFormulation() {
        try (NDManager m = NDManager.newBaseManager()) {
            int heads = 4;
            long d = 10;
            NDArray q = m.randomNormal(new Shape(2, 33, heads * d));
            NDArray k = m.randomNormal(new Shape(2, 17, heads * d));
            NDArray v = m.randomNormal(new Shape(2, 17, heads * d));
            double scale = 1 / Math.sqrt(d);
            NDArray expected = ScaledDotProductAttention.multiHead(q, k, v, heads, null, 0);
            NDArray actual = kernels().call("attention", q, k, v, heads, scale);
            assertThat(actual.getShape()).isEqualTo(expected.getShape());
            assertThat(actual.sub(expected).abs().max().getFloat()).isLessThan(1e-5f);
        }
    }

    @Test
    void groupNormEqualsTheLayer() {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = Weights.random(3, m);
            GroupNorm layer = new GroupNorm(w, 4, 16, 1e-6);
            Weights same = Weights.random(3, m);
            NDArray x = m.randomNormal(new Shape(2, 16, 5, 7)).mul(3).add(1);
            NDArray expected = layer.forward(x);
            NDArray actual = kernels().call("group_norm", x, same.get("weight", 16), same.get("bias", 16), 4, 1e-6);
            assertThat(actual.sub(expected).abs().max().getFloat()).isLessThan(1e-5f);
        }
    }

    @Test
    void bfloat16RoundTripKeepsShapeAndThreeSignificantDigits() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(3, 64));
            NDArray half = kernels().call("to_bf16", x);
            // DJL has no name for bfloat16 and must never be asked to make one; it only carries the tensor
            assertThat(half.getDataType()).isNotEqualTo(DataType.FLOAT32);
            assertThat(half.getShape()).isEqualTo(x.getShape());
            NDArray back = kernels().call("to_f32", half);
            assertThat(back.getDataType()).isEqualTo(DataType.FLOAT32);
            float relative = back.sub(x).abs().div(x.abs().add(1e-12f)).max().getFloat();
            assertThat(relative).isGreaterThan(0f).isLessThanOrEqualTo(1f / 256);
        }
    }

    @Test
    void channelsLastKeepsValuesAndAConvolutionOfItEqualsTheContiguousOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 8, 9, 7));
            NDArray w = m.randomNormal(new Shape(5, 8, 3, 3));
            NDArray b = m.randomNormal(new Shape(5));
            NDArray nhwc = kernels().call("to_channels_last", x);
            assertThat(nhwc.getShape()).isEqualTo(x.getShape());
            assertThat(nhwc.sub(x).abs().max().getFloat()).isEqualTo(0f);
            Shape one = new Shape(1, 1);
            NDArray expected = x.getNDArrayInternal().convolution(x, w, b, one, one, one, 1).singletonOrThrow();
            NDArray actual = nhwc.getNDArrayInternal().convolution(nhwc, kernels().call("to_channels_last", w), b,
                    one, one, one, 1).singletonOrThrow();
            assertThat(actual.getShape()).isEqualTo(expected.getShape());
            assertThat(actual.sub(expected).abs().max().getFloat()).isLessThan(1e-4f);
        }
    }

    @Test
    void twoThreadsShareTheModule() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 64, 8 * 16));
            NDArray expected = kernels().call("attention", x, x, x, 8, 0.25);
            CompletableFuture<Float>[] diffs = new CompletableFuture[2];
            for (int t = 0; t < 2; t++) {
                diffs[t] = CompletableFuture.supplyAsync(() -> {
                    float worst = 0;
                    for (int i = 0; i < 20; i++) {
                        try (NDManager local = m.newSubManager()) {
                            NDArray y = x.toDevice(x.getDevice(), true);
                            y.attach(local);
                            worst = Math.max(worst, kernels().call("attention", y, y, y, 8, 0.25).sub(expected).abs().max()
                                    .getFloat());
                        }
                    }
                    return worst;
                });
            }
            for (CompletableFuture<Float> f : diffs) {
                assertThat(f.join()).isEqualTo(0f);
            }
        }
    }

    @Test
    void archiveIsAZipLibtorchReadsAndTheSourceIsReadableText() {
        assertThat(TorchKernels.source()).contains("class TorchKernels(Module):", "def attention(");
        byte[] zip = TorchKernels.archive();
        assertThat(zip[0]).isEqualTo((byte) 'P');
        assertThat(zip[1]).isEqualTo((byte) 'K');
    }
}
