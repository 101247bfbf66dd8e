package dev.smallsd.testing;

import static org.assertj.core.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/**
 * How close a Java tensor must be to a golden one, with the rule that turns {@code atol}/{@code rtol} into a bound
 * named explicitly: the fixture READMEs state two different rules, and a tolerance read from one manifest must keep
 * the rule of that manifest.
 *
 * <ul>
 *   <li>{@link Rule#SCALED_BY_MAX}: {@code |java − golden| ≤ atol + rtol · max|golden|} for every element, one bound
 *       for the whole tensor ({@code golden/README}: the {@code suggested_atol}/{@code suggested_rtol} of the model,
 *       pipeline and feature cases; {@link Golden#tolerance} returns this rule).</li>
 *   <li>{@link Rule#PER_ELEMENT}: {@code |java − golden| ≤ atol + rtol · |golden|} element by element
 *       ({@code golden/schedulers/README}).</li>
 * </ul>
 * With {@code rtol = 0} both rules are the same absolute bound ({@link #absolute}). NaN matches NaN only.
 *
 * @param atol the absolute part
 * @param rtol the relative part
 * @param rule what {@code rtol} is relative to
 */
public record Tolerance(double atol, double rtol, Rule rule) {
    /** What the relative part of a tolerance multiplies. */
    public enum Rule {
        /** {@code rtol · max|golden|}: one bound for every element of the tensor. */
        SCALED_BY_MAX,
        /** {@code rtol · |golden_i|}: each element's own bound. */
        PER_ELEMENT
    }

    /**
     * @param atol absolute part
     * @param rtol part relative to the largest magnitude of the golden tensor
     * @return {@code |java − golden| ≤ atol + rtol · max|golden|}
     */
    public static Tolerance scaledByMax(double atol, double rtol) {
        return new Tolerance(atol, rtol, Rule.SCALED_BY_MAX);
    }

    /**
     * @param atol absolute part
     * @param rtol part relative to each golden element's magnitude
     * @return {@code |java − golden_i| ≤ atol + rtol · |golden_i|}
     */
    public static Tolerance perElement(double atol, double rtol) {
        return new Tolerance(atol, rtol, Rule.PER_ELEMENT);
    }

    /**
     * @param atol the bound
     * @return {@code |java − golden| ≤ atol} (both rules agree when {@code rtol} is 0)
     */
    public static Tolerance absolute(double atol) {
        return scaledByMax(atol, 0);
    }

    /**
     * @param extra added to the absolute part
     * @return this tolerance, same rule, with {@code atol + extra}
     */
    public Tolerance plusAtol(double extra) {
        return new Tolerance(atol + extra, rtol, rule);
    }

    /**
     * @param golden a golden tensor
     * @return the largest bound any of its elements gets under this tolerance
     */
    public double largestBound(NDArray golden) {
        double maxAbs = maxAbs(Golden.toDoubles(golden));
        return atol + rtol * maxAbs;
    }

    /**
     * Asserts a Java tensor is within this tolerance of a golden one; the failure names the tensor, the worst element
     * (by how far it exceeds its bound), the number of elements outside and the rule.
     *
     * @param what a label for the message
     * @param actual the Java result
     * @param golden the golden tensor (same shape)
     */
    public void assertClose(String what, NDArray actual, NDArray golden) {
        if (!actual.getShape().equals(golden.getShape())) {
            fail(what + ": shape " + actual.getShape() + " != golden " + golden.getShape());
        }
        assertClose(what, Golden.toDoubles(actual), Golden.toDoubles(golden));
    }

    /**
     * Asserts arrays of equal length agree within this tolerance (see {@link #assertClose(String, NDArray, NDArray)}).
     *
     * @param what a label
     * @param actual the Java values
     * @param golden the golden values
     */
    public void assertClose(String what, double[] actual, double[] golden) {
        if (actual.length != golden.length) {
            fail(what + ": " + actual.length + " values != golden " + golden.length);
        }
        double maxAbs = maxAbs(golden);
        int worst = -1;
        double worstExcess = Double.NEGATIVE_INFINITY;
        int outside = 0;
        for (int i = 0; i < golden.length; i++) {
            double g = golden[i];
            double a = actual[i];
            if (Double.isNaN(g) && Double.isNaN(a)) {
                continue;
            }
            double d = Math.abs(a - g);
            double bound = atol + rtol * (rule == Rule.SCALED_BY_MAX ? maxAbs : Math.abs(g));
            double excess = Double.isNaN(d) || (Double.isInfinite(d) && a != g) ? Double.POSITIVE_INFINITY
                    : a == g ? Double.NEGATIVE_INFINITY : d - bound;
            if (excess > 0) {
                outside++;
            }
            if (excess > worstExcess) {
                worstExcess = excess;
                worst = i;
            }
        }
        if (outside > 0) {
            fail(String.format(Locale.ROOT, "%s: %d of %d values outside %s; worst at flat index %d: java %.8g, "
                    + "golden %.8g, |diff| %.3g", what, outside, golden.length, this, worst, actual[worst],
                    golden[worst], Math.abs(actual[worst] - golden[worst])));
        }
    }

    @Override
    public String toString() {
        if (rtol == 0) {
            return String.format(Locale.ROOT, "atol %.3g", atol);
        }
        return rule == Rule.SCALED_BY_MAX
                ? String.format(Locale.ROOT, "atol %.3g + rtol %.3g·max|golden|", atol, rtol)
                : String.format(Locale.ROOT, "atol %.3g + rtol %.3g·|golden|", atol, rtol);
    }

    private static double maxAbs(double[] values) {
        double m = 0;
        for (double v : values) {
            if (!Double.isNaN(v)) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }
}
