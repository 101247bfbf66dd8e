package dev.smallsd.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The fixtures' tolerance rule: {@code |actual − golden| ≤ atol + rtol·|golden|} element-wise; NaN equals NaN; a
 * failure names the first offending element and the largest excess.
 */
record Tolerance(double atol, double rtol) {

    void assertClose(String what, double[] golden, double[] actual) {
        assertEquals(golden.length, actual.length, what + ": length");
        int worst = -1;
        double worstExcess = 0;
        int bad = 0;
        for (int i = 0; i < golden.length; i++) {
            double g = golden[i];
            double a = actual[i];
            if (Double.isNaN(g) || Double.isNaN(a)) {
                if (Double.isNaN(g) != Double.isNaN(a)) {
                    fail(what + "[" + i + "]: golden " + g + ", actual " + a);
                }
                continue;
            }
            if (g == a) {
                continue;
            }
            double excess = Math.abs(a - g) - (atol + rtol * Math.abs(g));
            if (excess > 0 || Double.isInfinite(g) || Double.isInfinite(a)) {
                bad++;
                if (worst < 0 || excess > worstExcess) {
                    worst = i;
                    worstExcess = excess;
                }
            }
        }
        if (bad > 0) {
            fail(String.format(java.util.Locale.ROOT,
                    "%s: %d of %d elements outside atol %.1e + rtol %.1e·|golden|; worst [%d] golden %.9g actual %.9g",
                    what, bad, golden.length, atol, rtol, worst, golden[worst], actual[worst]));
        }
    }

    void assertClose(String what, double[] golden, NDArray actual) {
        assertEquals(DataType.FLOAT32, actual.getDataType(), what + ": dtype");
        float[] f = actual.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        assertClose(what, golden, d);
    }

    static void assertExact(String what, double[] golden, double[] actual) {
        assertEquals(golden.length, actual.length, what + ": length");
        for (int i = 0; i < golden.length; i++) {
            if (golden[i] != actual[i]) {
                fail(what + "[" + i + "]: golden " + golden[i] + ", actual " + actual[i]
                        + " (all golden " + java.util.Arrays.toString(golden) + ", actual "
                        + java.util.Arrays.toString(actual) + ")");
            }
        }
    }
}
