package dev.smallsd.internal.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
}
