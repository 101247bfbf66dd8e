package dev.smallsd.internal.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Conv2dTest {
    /** The matrix-product path (few positions, many input channels) gives libtorch's convolution to float rounding. */
    @Test
    void matrixProductPathMatchesTheDirectConvolution() {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = Weights.random(7, m);
            Conv2d conv = new Conv2d(w, 96, 48, 3, 1, 1, true);
            Weights same = Weights.random(7, m); // same seed and keys give the same values
            NDArray weight = same.get("weight", 48, 96, 3, 3);
            NDArray bias = same.get("bias", 48);
            for (Shape s : new Shape[] {new Shape(2, 96, 2, 2), new Shape(1, 96, 3, 2), new Shape(1, 96, 1, 1)}) {
                // 8, 6 and 1 positions: 96*9 = 864 columns >= 64 per position, so the product path is taken
                assertThat(s.get(0) * s.get(2) * s.get(3) * Conv2d.GEMM_MIN_COLUMNS_PER_POSITION).isLessThanOrEqualTo(864);
                NDArray x = m.randomNormal(s);
                NDArray expected = x.getNDArrayInternal().convolution(x, weight, bias, new Shape(1, 1), new Shape(1, 1),
                        new Shape(1, 1), 1).singletonOrThrow();
                NDArray actual = conv.forward(x);
                assertThat(actual.getShape()).isEqualTo(expected.getShape());
                float maxDiff = actual.sub(expected).abs().max().getFloat();
                assertThat(maxDiff).as("shape %s", s).isLessThan(1e-5f);
            }
        }
    }

    /**
     * Every shape libtorch would leave to its NNPACK-probing fallback gives libtorch's convolution to float rounding
     * through the product: 1×1, 3×3 and strided 3×3 layers, one image, one and two threads.
     */
    @Test
    void productReplacesLibtorchsFallbackConvolution() {
        try (NDManager m = NDManager.newBaseManager()) {
            int before = JniUtils.getNumThreads(); // the engine is loaded now
            try {
                checkFallbackShapes(m);
            } finally {
                JniUtils.setNumThreads(before);
            }
        }
    }

    private static void checkFallbackShapes(NDManager m) {
        int[][] layers = {{1, 1, 0}, {3, 1, 1}, {3, 2, 0}, {3, 2, 1}};
        for (int threads : new int[] {1, 2}) {
            JniUtils.setNumThreads(threads);
            for (int[] l : layers) {
                Weights w = Weights.random(11, m);
                Conv2d conv = new Conv2d(w, 8, 6, l[0], l[1], l[2], true);
                Weights same = Weights.random(11, m);
                NDArray weight = same.get("weight", 6, 8, l[0], l[0]);
                NDArray bias = same.get("bias", 6);
                for (Shape s : new Shape[] {new Shape(1, 8, 9, 7), new Shape(2, 8, 6, 6)}) {
                    boolean fallback = Conv2d.libtorchSkipsOneDnn(s, l[0], l[1], threads);
                    if (s.get(0) == 1) {
                        assertThat(fallback).as("one small image, kernel %d", l[0]).isTrue();
                    }
                    NDArray x = m.randomNormal(s);
                    NDArray expected = x.getNDArrayInternal().convolution(x, weight, bias, new Shape(l[1], l[1]),
                            new Shape(l[2], l[2]), new Shape(1, 1), 1).singletonOrThrow();
                    NDArray actual = conv.forward(x);
                    assertThat(actual.getShape()).isEqualTo(expected.getShape());
                    assertThat(actual.sub(expected).abs().max().getFloat())
                            .as("layer %s, shape %s, %d threads", Arrays.toString(l), s, threads)
                            .isLessThan(1e-5f);
                }
            }
        }
    }

    /** libtorch 2.7.1's oneDNN rule, at the edges measured on this machine (NNPACK warning printed or not). */
    @Test
    void libtorchsOneDnnRule() {
        assertThat(Conv2d.libtorchSkipsOneDnn(new Shape(1, 4, 64, 64), 3, 1, 2)).isTrue(); // 16384 elements
        assertThat(Conv2d.libtorchSkipsOneDnn(new Shape(1, 4, 72, 72), 3, 1, 2)).isFalse(); // 20736 elements
        assertThat(Conv2d.libtorchSkipsOneDnn(new Shape(1, 320, 8, 8), 3, 1, 2)).isTrue(); // exactly 20480
        assertThat(Conv2d.libtorchSkipsOneDnn(new Shape(1, 320, 9, 9), 3, 1, 2)).isFalse();
        assertThat(Conv2d.libtorchSkipsOneDnn(new Shape(2, 4, 8, 8), 3, 1, 1)).isFalse();
        assertThat(Conv2d.libtorchSkipsOneDnn(new Shape(2, 4, 8, 8), 1, 1, 1)).isTrue();
        assertThat(Conv2d.libtorchSkipsOneDnn(new Shape(2, 4, 8, 8), 1, 1, 2)).isFalse();
        assertThat(Conv2d.libtorchSkipsOneDnn(new Shape(16, 4, 8, 8), 1, 1, 1)).isFalse();
        assertThat(Conv2d.libtorchSkipsOneDnn(new Shape(1, 3, 8, 8), 14, 14, 1)).isFalse(); // CLIP patch embedding
    }
}
