package dev.smallsd.safety;

/**
 * Pillow's {@code Image.resize(size, filter, box=None, reducing_gap=None)} for 8-bit RGB images, reproduced
 * bit for bit (libImaging {@code Resample.c}, {@code ImagingResample} with the 8-bit-per-channel passes).
 *
 * <p>The algorithm, as Pillow runs it:
 * <ol>
 *   <li>Per axis, for every output index {@code i}: {@code scale = in / out}, {@code filterscale = max(scale, 1)}
 *       (when shrinking the kernel is widened, which anti-aliases), {@code support = filter.support * filterscale},
 *       {@code center = (i + 0.5) * scale}, input window {@code [xmin, xmin + count)} with
 *       {@code xmin = max((int) (center - support + 0.5), 0)} and
 *       {@code count = min((int) (center + support + 0.5), in) - xmin}; weights
 *       {@code filter((j + xmin - center + 0.5) / filterscale)}, divided by their sum, then converted to fixed point
 *       with {@value #PRECISION_BITS} fractional bits, rounding half away from zero.</li>
 *   <li>The horizontal pass runs first (only over the source rows the vertical pass will read) into an 8-bit
 *       intermediate image, then the vertical pass. A pass whose axis keeps its size is skipped; when both keep their
 *       size the image is returned unchanged.</li>
 *   <li>Each output sample is {@code clip8((1 << (PRECISION_BITS - 1)) + sum(sample * coefficient))}, where
 *       {@code clip8} shifts right by {@value #PRECISION_BITS} bits and clamps to 0..255, all in 32-bit integers.</li>
 * </ol>
 */
public final class PilResize {
    /** Fractional bits of Pillow's fixed-point coefficients: 32 - 8 (result) - 2 (overflow headroom). */
    public static final int PRECISION_BITS = 32 - 8 - 2;

    private static final int CHANNELS = 3;

    private PilResize() {}

    /**
     * The fixed-point resampling coefficients of one axis.
     *
     * @param start per output index, the first input index used
     * @param count per output index, the number of input samples used
     * @param kernelSize the stride of {@code coefficients} per output index
     * @param coefficients fixed-point weights, {@code kernelSize} per output index (only the first {@code count} are
     *     used)
     */
    record AxisCoefficients(int[] start, int[] count, int kernelSize, int[] coefficients) {}

    /**
     * Computes Pillow's coefficients for resampling one axis of length {@code inSize} to {@code outSize}
     * ({@code precompute_coeffs} followed by {@code normalize_coeffs_8bpc}, box = the whole axis).
     *
     * @param inSize input length
     * @param outSize output length
     * @param filter the filter
     * @return the coefficients
     */
    static AxisCoefficients axisCoefficients(int inSize, int outSize, PilFilter filter) {
        // Pillow passes the box edges as C floats: (float) inSize - 0.0f, widened to double.
        double scale = (double) ((float) inSize - 0.0f) / outSize;
        double filterscale = scale < 1.0 ? 1.0 : scale;
        double support = filter.support() * filterscale;
        int kernelSize = (int) Math.ceil(support) * 2 + 1;
        int[] start = new int[outSize];
        int[] count = new int[outSize];
        int[] fixed = new int[outSize * kernelSize];
        double[] w = new double[kernelSize];
        double invScale = 1.0 / filterscale;
        for (int xx = 0; xx < outSize; xx++) {
            double center = 0.0 + (xx + 0.5) * scale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            double sum = 0.0;
            for (int x = 0; x < xmax; x++) {
                double v = filter.weight((x + xmin - center + 0.5) * invScale);
                w[x] = v;
                sum += v;
            }
            for (int x = 0; x < xmax; x++) {
                double k = sum != 0.0 ? w[x] / sum : w[x];
                fixed[xx * kernelSize + x] = k < 0
                        ? (int) (-0.5 + k * (1 << PRECISION_BITS))
                        : (int) (0.5 + k * (1 << PRECISION_BITS));
            }
            start[xx] = xmin;
            count[xx] = xmax;
        }
        return new AxisCoefficients(start, count, kernelSize, fixed);
    }

    /**
     * Resizes an image exactly as {@code PIL.Image.resize((outWidth, outHeight), filter, reducing_gap=None)} does for
     * a mode-"RGB" image.
     *
     * @param image the source
     * @param outHeight the target number of rows
     * @param outWidth the target number of columns
     * @param filter the resampling filter ({@link PilFilter#BICUBIC} for CLIP)
     * @return the resized image ({@code image} itself when the size does not change, as Pillow returns a copy)
     * @throws IllegalArgumentException if a target size is not positive
     */
    public static Rgb8Image resize(Rgb8Image image, int outHeight, int outWidth, PilFilter filter) {
        if (outHeight <= 0 || outWidth <= 0) {
            throw new IllegalArgumentException("target size must be positive, got height " + outHeight + ", width "
                    + outWidth);
        }
        int inHeight = image.height();
        int inWidth = image.width();
        boolean needHorizontal = outWidth != inWidth;
        boolean needVertical = outHeight != inHeight;
        if (!needHorizontal && !needVertical) {
            return image;
        }
        AxisCoefficients vertical = axisCoefficients(inHeight, outHeight, filter);
        int firstRow = vertical.start()[0];
        int lastRow = vertical.start()[outHeight - 1] + vertical.count()[outHeight - 1];

        byte[] src = image.pixels();
        int srcWidth = inWidth;
        int rowOffset = 0;
        if (needHorizontal) {
            AxisCoefficients horizontal = axisCoefficients(inWidth, outWidth, filter);
            src = horizontalPass(src, inWidth, firstRow, lastRow - firstRow, horizontal, outWidth);
            srcWidth = outWidth;
            rowOffset = firstRow;
        }
        byte[] out = needVertical ? verticalPass(src, srcWidth, rowOffset, vertical, outHeight) : src;
        return new Rgb8Image(outHeight, outWidth, out);
    }

    /** Resamples rows {@code [firstRow, firstRow + rows)} horizontally into a new {@code rows x outWidth} image. */
    private static byte[] horizontalPass(byte[] src, int inWidth, int firstRow, int rows, AxisCoefficients c,
            int outWidth) {
        byte[] out = new byte[rows * outWidth * CHANNELS];
        int[] k = c.coefficients();
        int ks = c.kernelSize();
        for (int yy = 0; yy < rows; yy++) {
            int inRow = (yy + firstRow) * inWidth * CHANNELS;
            int outRow = yy * outWidth * CHANNELS;
            for (int xx = 0; xx < outWidth; xx++) {
                int xmin = c.start()[xx];
                int n = c.count()[xx];
                int kb = xx * ks;
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                for (int x = 0; x < n; x++) {
                    int p = inRow + (x + xmin) * CHANNELS;
                    int kx = k[kb + x];
                    s0 += (src[p] & 0xFF) * kx;
                    s1 += (src[p + 1] & 0xFF) * kx;
                    s2 += (src[p + 2] & 0xFF) * kx;
                }
                int o = outRow + xx * CHANNELS;
                out[o] = clip8(s0);
                out[o + 1] = clip8(s1);
                out[o + 2] = clip8(s2);
            }
        }
        return out;
    }

    /**
     * Resamples vertically into {@code outHeight x width}; {@code src} holds the source rows starting at source row
     * {@code rowOffset} (the vertical windows are shifted by it, as Pillow does after a horizontal pass).
     */
    private static byte[] verticalPass(byte[] src, int width, int rowOffset, AxisCoefficients c, int outHeight) {
        byte[] out = new byte[outHeight * width * CHANNELS];
        int[] k = c.coefficients();
        int ks = c.kernelSize();
        int rowStride = width * CHANNELS;
        for (int yy = 0; yy < outHeight; yy++) {
            int ymin = c.start()[yy] - rowOffset;
            int n = c.count()[yy];
            int kb = yy * ks;
            int outRow = yy * rowStride;
            for (int xx = 0; xx < width; xx++) {
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                int col = xx * CHANNELS;
                for (int y = 0; y < n; y++) {
                    int p = (y + ymin) * rowStride + col;
                    int ky = k[kb + y];
                    s0 += (src[p] & 0xFF) * ky;
                    s1 += (src[p + 1] & 0xFF) * ky;
                    s2 += (src[p + 2] & 0xFF) * ky;
                }
                int o = outRow + col;
                out[o] = clip8(s0);
                out[o + 1] = clip8(s1);
                out[o + 2] = clip8(s2);
            }
        }
        return out;
    }

    /** Pillow's {@code clip8}: drop the fractional bits (arithmetic shift) and clamp to 0..255. */
    private static byte clip8(int accumulator) {
        int v = accumulator >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : v > 255 ? 255 : v);
    }
}
