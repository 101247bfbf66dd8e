package dev.smallsd.schedulers;

/**
 * Single-lane float32 restatement of the Cephes-style {@code log} and {@code sincos} approximations that PyTorch's
 * AVX2 normal kernel uses ({@code log256_ps} and {@code sincos256_ps} of
 * {@code aten/src/ATen/native/cpu/avx_mathfun.h}, themselves after Julien Pommier's {@code sse_mathfun}). They are not correctly rounded, so {@link Math#log} or
 * {@link Math#sin} would differ from torch in the last bits; these give the same bits.
 *
 * <p>Rounding follows the compiled kernel, not just the source: PyTorch builds its AVX2 kernels with FMA enabled and
 * GCC's default floating-point contraction, so every multiply whose only use is an add or subtract is fused with it
 * (in statement order: when an add has two multiplied operands the first multiply is fused). Each fused step below
 * is a {@link Math#fma}; this choice was confirmed bit for bit against torch 1.13 and libtorch 2.7.1 output.
 */
final class AvxMathFun {
    private AvxMathFun() {}

    // log: Cephes logf constants
    private static final float MIN_NORM_POS = Float.intBitsToFloat(0x00800000);
    private static final float SQRT_HALF = 0.707106781186547524f;
    private static final float LOG_P0 = 7.0376836292E-2f;
    private static final float LOG_P1 = -1.1514610310E-1f;
    private static final float LOG_P2 = 1.1676998740E-1f;
    private static final float LOG_P3 = -1.2420140846E-1f;
    private static final float LOG_P4 = 1.4249322787E-1f;
    private static final float LOG_P5 = -1.6668057665E-1f;
    private static final float LOG_P6 = 2.0000714765E-1f;
    private static final float LOG_P7 = -2.4999993993E-1f;
    private static final float LOG_P8 = 3.3333331174E-1f;
    /** ln 2 split in a short high part and a correction. */
    private static final float LOG_Q1 = -2.12194440e-4f;
    private static final float LOG_Q2 = 0.693359375f;

    // sin/cos: Cephes sinf/cosf constants
    private static final float FOUR_OVER_PI = 1.27323954473516f;
    /** pi/4 split in three parts for the extended-precision range reduction. */
    private static final float MINUS_DP1 = -0.78515625f;
    private static final float MINUS_DP2 = -2.4187564849853515625e-4f;
    private static final float MINUS_DP3 = -3.77489497744594108e-8f;
    private static final float SIN_P0 = -1.9515295891E-4f;
    private static final float SIN_P1 = 8.3321608736E-3f;
    private static final float SIN_P2 = -1.6666654611E-1f;
    private static final float COS_P0 = 2.443315711809948E-005f;
    private static final float COS_P1 = -1.388731625493765E-003f;
    private static final float COS_P2 = 4.166664568298827E-002f;

    /**
     * Natural logarithm, bit-identical to one lane of torch's {@code log256_ps}.
     *
     * @param v the argument
     * @return ln v (NaN for v &le; 0; denormals are treated as the smallest normal)
     */
    static float log(float v) {
        boolean invalid = v <= 0f;
        float x = Math.max(v, MIN_NORM_POS);
        int bits = Float.floatToRawIntBits(x);
        // exponent (biased) and mantissa rescaled into [0.5, 1)
        float e = (float) ((bits >>> 23) - 0x7f);
        x = Float.intBitsToFloat((bits & ~0x7f800000) | 0x3f000000);
        e = e + 1f;
        boolean small = x < SQRT_HALF;
        float tmp = small ? x : 0f;
        x = x - 1f;
        e = e - (small ? 1f : 0f);
        x = x + tmp;

        float z = x * x;
        float y = LOG_P0;
        y = Math.fma(y, x, LOG_P1);
        y = Math.fma(y, x, LOG_P2);
        y = Math.fma(y, x, LOG_P3);
        y = Math.fma(y, x, LOG_P4);
        y = Math.fma(y, x, LOG_P5);
        y = Math.fma(y, x, LOG_P6);
        y = Math.fma(y, x, LOG_P7);
        y = Math.fma(y, x, LOG_P8);
        y = y * x;
        y = Math.fma(y, z, e * LOG_Q1);
        y = Math.fma(-z, 0.5f, y);
        x = x + y;
        x = Math.fma(e, LOG_Q2, x);
        return invalid ? Float.NaN : x;
    }

    /**
     * Sine and cosine together, bit-identical to one lane of torch's {@code sincos256_ps} (accurate for |x| &lt; 8192,
     * which covers the Box&ndash;Muller angles in [0, 2&pi;)).
     *
     * @param v the angle in radians
     * @param out receives {@code out[0] = sin v}, {@code out[1] = cos v}
     */
    static void sincos(float v, float[] out) {
        int signSin = Float.floatToRawIntBits(v) & 0x80000000;
        float x = Math.abs(v);

        // octant j = (int(x * 4/pi) + 1) & ~1, and x reduced by j * pi/4
        int j = ((int) (x * FOUR_OVER_PI) + 1) & ~1;
        float y = (float) j;
        signSin ^= (j & 4) << 29;
        boolean sinPolyIsSine = (j & 2) == 0;
        int signCos = (~(j - 2) & 4) << 29;
        x = Math.fma(y, MINUS_DP1, x);
        x = Math.fma(y, MINUS_DP2, x);
        x = Math.fma(y, MINUS_DP3, x);

        float z = x * x;
        // cosine polynomial on [-pi/4, pi/4]
        float c = COS_P0;
        c = Math.fma(c, z, COS_P1);
        c = Math.fma(c, z, COS_P2);
        c = c * z;
        c = Math.fma(c, z, -(z * 0.5f));
        c = c + 1f;
        // sine polynomial on [-pi/4, pi/4]
        float s = SIN_P0;
        s = Math.fma(s, z, SIN_P1);
        s = Math.fma(s, z, SIN_P2);
        s = s * z;
        s = Math.fma(s, x, x);

        // pick per octant the way the vector code does (masked parts and zero adds included, for signed zeros)
        float sinFromSinPoly = sinPolyIsSine ? s : 0f;
        float sinFromCosPoly = sinPolyIsSine ? 0f : c;
        float sine = sinFromCosPoly + sinFromSinPoly;
        float cosine = (c - sinFromCosPoly) + (s - sinFromSinPoly);
        out[0] = Float.intBitsToFloat(Float.floatToRawIntBits(sine) ^ signSin);
        out[1] = Float.intBitsToFloat(Float.floatToRawIntBits(cosine) ^ signCos);
    }
}
