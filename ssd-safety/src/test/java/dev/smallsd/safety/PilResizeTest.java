package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Pillow's resampling: coefficient windows and fixed-point normalisation, pass skipping, and agreement (within the
 * per-pass 8-bit rounding) with a plain double-precision restatement of the same separable convolution for
 * downscaling, where the golden case (an upscale) does not reach.
 */
class PilResizeTest {

    @Test
    void coefficientWindowsAndFixedPointSums() {
        int[][] sizes = {{64, 224}, {768, 224}, {512, 336}, {5, 3}, {1, 7}, {7, 1}};
        for (PilFilter f : PilFilter.values()) {
            for (int[] s : sizes) {
                PilResize.AxisCoefficients c = PilResize.axisCoefficients(s[0], s[1], f);
                double scale = Math.max(1.0, (double) s[0] / s[1]);
                assertThat(c.kernelSize()).isEqualTo((int) Math.ceil(f.support() * scale) * 2 + 1);
                for (int i = 0; i < s[1]; i++) {
                    assertThat(c.start()[i]).isBetween(0, s[0] - 1);
                    assertThat(c.count()[i]).isBetween(1, c.kernelSize());
                    assertThat(c.start()[i] + c.count()[i]).isLessThanOrEqualTo(s[0]);
                    long sum = 0;
                    for (int j = 0; j < c.count()[i]; j++) {
                        sum += c.coefficients()[i * c.kernelSize() + j];
                    }
                    // Each coefficient is rounded on its own: the sum is 1.0 up to half a unit per coefficient.
                    assertThat(Math.abs(sum - (1L << PilResize.PRECISION_BITS)))
                            .as("%s %d->%d output %d", f, s[0], s[1], i).isLessThanOrEqualTo(c.count()[i]);
                }
            }
        }
    }

    @Test
    void bicubicKernelValues() {
        PilFilter k = PilFilter.BICUBIC;
        assertThat(k.weight(0)).isEqualTo(1.0);
        assertThat(k.weight(1)).isEqualTo(0.0);
        assertThat(k.weight(-2)).isEqualTo(0.0);
        assertThat(k.weight(0.5)).isEqualTo(0.5625);
        assertThat(k.weight(-1.5)).isEqualTo(-0.0625);
        assertThat(PilFilter.fromPilId(3)).isEqualTo(PilFilter.BICUBIC);
        assertThatThrownBy(() -> PilFilter.fromPilId(0)).hasMessageContaining("NEAREST");
    }

    @Test
    void sameSizeIsReturnedUnchangedAndOneAxisIsSkipped() {
        Random random = new Random(11);
        byte[] px = new byte[20 * 30 * 3];
        random.nextBytes(px);
        Rgb8Image image = new Rgb8Image(20, 30, px);
        assertThat(PilResize.resize(image, 20, 30, PilFilter.BICUBIC)).isSameAs(image);
        // Only the width changes: every row is resampled on its own, rows stay independent.
        Rgb8Image wider = PilResize.resize(image, 20, 45, PilFilter.BICUBIC);
        for (int y = 0; y < 20; y++) {
            byte[] row = new byte[30 * 3];
            System.arraycopy(px, y * 30 * 3, row, 0, row.length);
            Rgb8Image one = PilResize.resize(new Rgb8Image(1, 30, row), 1, 45, PilFilter.BICUBIC);
            for (int x = 0; x < 45; x++) {
                for (int c = 0; c < 3; c++) {
                    assertThat(wider.sample(y, x, c)).isEqualTo(one.sample(0, x, c));
                }
            }
        }
        assertThatThrownBy(() -> PilResize.resize(image, 0, 5, PilFilter.BICUBIC))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void downscaleAgreesWithDoublePrecisionConvolution() {
        Random random = new Random(5);
        int h = 768;
        int w = 512;
        // Smooth content plus noise, so both the overshoot and the antialiasing get exercised.
        byte[] px = new byte[h * w * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    double v = 128 + 100 * Math.sin(x / 37.0 + c) * Math.cos(y / 53.0) + random.nextGaussian() * 20;
                    px[(y * w + x) * 3 + c] = (byte) Math.max(0, Math.min(255, (int) Math.round(v)));
                }
            }
        }
        Rgb8Image image = new Rgb8Image(h, w, px);
        int oh = 336;
        int ow = 224;
        Rgb8Image ours = PilResize.resize(image, oh, ow, PilFilter.BICUBIC);
        int[] reference = referenceResize(image, oh, ow);
        int worst = 0;
        for (int i = 0; i < reference.length; i++) {
            worst = Math.max(worst, Math.abs(reference[i] - (ours.pixels()[i] & 0xFF)));
        }
        assertThat(worst).as("max 8-bit difference to the double-precision restatement").isLessThanOrEqualTo(1);
    }

    /** Separable convolution in double precision, rounded to 8 bits after each pass (horizontal first). */
    private static int[] referenceResize(Rgb8Image image, int oh, int ow) {
        int h = image.height();
        int w = image.width();
        int[] tmp = new int[h * ow * 3];
        double[][] kx = weights(w, ow);
        int[] sx = starts(w, ow);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < ow; x++) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    for (int j = 0; j < kx[x].length; j++) {
                        s += image.sample(y, sx[x] + j, c) * kx[x][j];
                    }
                    tmp[(y * ow + x) * 3 + c] = clamp(s);
                }
            }
        }
        int[] out = new int[oh * ow * 3];
        double[][] ky = weights(h, oh);
        int[] sy = starts(h, oh);
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    for (int j = 0; j < ky[y].length; j++) {
                        s += tmp[((sy[y] + j) * ow + x) * 3 + c] * ky[y][j];
                    }
                    out[(y * ow + x) * 3 + c] = clamp(s);
                }
            }
        }
        return out;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.floor(v + 0.5)));
    }

    private static int[] starts(int in, int out) {
        double scale = (double) in / out;
        double support = 2 * Math.max(scale, 1);
        int[] s = new int[out];
        for (int i = 0; i < out; i++) {
            s[i] = Math.max(0, (int) Math.floor((i + 0.5) * scale - support + 0.5));
        }
        return s;
    }

    private static double[][] weights(int in, int out) {
        double scale = (double) in / out;
        double fs = Math.max(scale, 1);
        double support = 2 * fs;
        int[] start = starts(in, out);
        double[][] k = new double[out][];
        for (int i = 0; i < out; i++) {
            double center = (i + 0.5) * scale;
            int end = Math.min(in, (int) Math.floor(center + support + 0.5));
            k[i] = new double[end - start[i]];
            double sum = 0;
            for (int j = 0; j < k[i].length; j++) {
                k[i][j] = PilFilter.BICUBIC.weight((start[i] + j + 0.5 - center) / fs);
                sum += k[i][j];
            }
            for (int j = 0; j < k[i].length; j++) {
                k[i][j] /= sum;
            }
        }
        return k;
    }
}
