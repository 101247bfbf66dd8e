package dev.smallsd.safety;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The convolution filters of Pillow's {@code Image.resize} (libImaging {@code Resample.c}), identified by their PIL
 * ids as they appear in the {@code resample} key of a transformers image-processor config.
 *
 * <p>Each filter is a weight function {@link #weight(double)} with a support radius {@link #support()} in source
 * pixels (before widening for downscaling). The formulas are evaluated in double precision with the same operation
 * order as Pillow, so the polynomial filters ({@link #BOX}, {@link #BILINEAR}, {@link #BICUBIC}) give bit-identical
 * weights; {@link #HAMMING} and {@link #LANCZOS} call {@code sin}/{@code cos}, whose last bit may differ between
 * Java and the C library. PIL's {@code NEAREST} (id 0) is not a convolution and is not offered.
 */
public enum PilFilter {
    /** {@code Image.LANCZOS} (id 1): truncated sinc, {@code sinc(x) * sinc(x / 3)} on [-3, 3). */
    LANCZOS(1, 3.0),
    /** {@code Image.BILINEAR} (id 2): the triangle {@code 1 - |x|} on (-1, 1). */
    BILINEAR(2, 1.0),
    /** {@code Image.BICUBIC} (id 3): Keys' cubic convolution with {@code a = -0.5} on (-2, 2). */
    BICUBIC(3, 2.0),
    /** {@code Image.BOX} (id 4): 1 on (-0.5, 0.5]. */
    BOX(4, 0.5),
    /** {@code Image.HAMMING} (id 5): Hamming-windowed sinc on (-1, 1). */
    HAMMING(5, 1.0);

    private static final double BICUBIC_A = -0.5;

    private final int pilId;
    private final double support;

    PilFilter(int pilId, double support) {
        this.pilId = pilId;
        this.support = support;
    }

    /** @return the PIL resampling id ({@code PIL.Image.Resampling} value) */
    public int pilId() {
        return pilId;
    }

    /** @return the support radius in source pixels at scale 1 (Pillow's {@code filter.support}) */
    public double support() {
        return support;
    }

    /**
     * The filter's weight at distance {@code x} (in filter units), as Pillow's C filter function computes it.
     *
     * @param x the signed distance from the sample centre
     * @return the unnormalised weight
     */
    public double weight(double x) {
        switch (this) {
            case BOX:
                return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
            case BILINEAR: {
                double ax = x < 0.0 ? -x : x;
                return ax < 1.0 ? 1.0 - ax : 0.0;
            }
            case BICUBIC: {
                double ax = x < 0.0 ? -x : x;
                if (ax < 1.0) {
                    return ((BICUBIC_A + 2.0) * ax - (BICUBIC_A + 3.0)) * ax * ax + 1;
                }
                if (ax < 2.0) {
                    return (((ax - 5) * ax + 8) * ax - 4) * BICUBIC_A;
                }
                return 0.0;
            }
            case HAMMING: {
                double ax = x < 0.0 ? -x : x;
                if (ax == 0.0) {
                    return 1.0;
                }
                if (ax >= 1.0) {
                    return 0.0;
                }
                ax = ax * Math.PI;
                // Pillow writes the window constants as C floats (0.54f, 0.46f), widened to double.
                return Math.sin(ax) / ax * (0.54f + 0.46f * Math.cos(ax));
            }
            case LANCZOS:
                return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
            default:
                throw new AssertionError(this);
        }
    }

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        double px = x * Math.PI;
        return Math.sin(px) / px;
    }

    /**
     * Looks a filter up by its PIL id.
     *
     * @param pilId the {@code resample} value of a preprocessor config
     * @return the filter
     * @throws IllegalArgumentException for NEAREST (0) or an unknown id, naming the supported ids
     */
    public static PilFilter fromPilId(int pilId) {
        for (PilFilter f : values()) {
            if (f.pilId == pilId) {
                return f;
            }
        }
        String supported = Arrays.stream(values()).map(f -> f.pilId + " (" + f + ")")
                .collect(Collectors.joining(", "));
        String what = pilId == 0 ? "0 (NEAREST) is not a convolution filter and is not supported" : pilId
                + " is not a PIL resampling filter";
        throw new IllegalArgumentException("resample " + what + "; supported: " + supported);
    }
}
