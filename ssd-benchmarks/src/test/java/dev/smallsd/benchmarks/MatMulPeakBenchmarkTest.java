package dev.smallsd.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smallsd.benchmarks.MatMulPeakBenchmark.ConvOperands;
import dev.smallsd.benchmarks.MatMulPeakBenchmark.Dtype;
import dev.smallsd.benchmarks.MatMulPeakBenchmark.Flops;
import dev.smallsd.benchmarks.MatMulPeakBenchmark.Layout;
import dev.smallsd.benchmarks.MatMulPeakBenchmark.MatMulOperands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every variant runs on small operands (bfloat16 and channels-last through the kernel module) and counts its work. */
class MatMulPeakBenchmarkTest {

    @ParameterizedTest
    @EnumSource(Dtype.class)
    void matMulOfEveryDtype(Dtype dtype) {
        MatMulOperands s = new MatMulOperands();
        s.n = 48;
        s.dtype = dtype;
        s.setUp();
        try {
            Flops f = new Flops();
            assertThat(new MatMulPeakBenchmark().matMul(s, f)).isEqualTo(48L * 48);
            assertThat(f.GFLOP).isEqualTo(2.0 * 48 * 48 * 48 / 1e9);
        } finally {
            s.tearDown();
        }
    }

    @Test
    void conv3x3OfEveryDtypeAndLayout() {
        for (Dtype dtype : Dtype.values()) {
            for (Layout layout : Layout.values()) {
                ConvOperands s = new ConvOperands();
                s.layer = "16x12";
                s.dtype = dtype;
                s.layout = layout;
                s.setUp();
                try {
                    Flops f = new Flops();
                    assertThat(new MatMulPeakBenchmark().conv3x3(s, f)).as("%s %s", dtype, layout)
                            .isEqualTo(16L * 12 * 12);
                    assertThat(f.GFLOP).isEqualTo(2.0 * 9 * 16 * 16 * 12 * 12 / 1e9);
                } finally {
                    s.tearDown();
                }
            }
        }
    }

    @Test
    void layerParameterIsChannelsBySide() {
        assertThat(ConvOperands.parseLayer("512x64")).containsExactly(512, 64);
        for (String bad : new String[] {"512", "0x64", "512x", "axb", "1x2x3"}) {
            assertThatThrownBy(() -> ConvOperands.parseLayer(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("parameter layer=" + bad);
        }
    }
}
