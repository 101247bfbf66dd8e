package dev.smallsd.spark;

import java.math.BigDecimal;
import org.apache.spark.sql.Row;

/**
 * Reads the generator's optional parameters from a row. A column may hold numbers of any Spark numeric type or text
 * (a CSV read without schema inference gives text): {@code "30"} and {@code 30} mean the same, an empty text means
 * "not given". A value that is not a number of the right kind is a bad row: {@link IllegalArgumentException} naming
 * the column.
 */
final class RowValues {
    private RowValues() {}

    /**
     * @param row the row
     * @param index column index, or -1 when the input has no such column
     * @param name the column name (for the message)
     * @return the text, or {@code null} when absent or null
     */
    static String text(Row row, int index, String name) {
        if (index < 0 || row.isNullAt(index)) {
            return null;
        }
        Object v = row.get(index);
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(name + ": " + v + " is not a string");
    }

    /**
     * @return the whole number, or {@code null} when absent, null or empty
     */
    static Long whole(Row row, int index, String name) {
        BigDecimal d = number(row, index, name);
        if (d == null) {
            return null;
        }
        try {
            return d.stripTrailingZeros().longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + ": " + d.toPlainString() + " is not a whole number in the "
                    + "64-bit range");
        }
    }

    /**
     * @return the whole number as an {@code int}, or {@code null} when absent, null or empty
     */
    static Integer integer(Row row, int index, String name) {
        Long v = whole(row, index, name);
        if (v == null) {
            return null;
        }
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": " + v + " is out of the int range");
        }
        return v.intValue();
    }

    /**
     * @return the number, or {@code null} when absent, null or empty
     */
    static Double real(Row row, int index, String name) {
        BigDecimal d = number(row, index, name);
        return d == null ? null : d.doubleValue();
    }

    private static BigDecimal number(Row row, int index, String name) {
        if (index < 0 || row.isNullAt(index)) {
            return null;
        }
        Object v = row.get(index);
        if (v instanceof String s) {
            String t = s.trim();
            if (t.isEmpty()) {
                return null;
            }
            try {
                return new BigDecimal(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": '" + s + "' is not a number");
            }
        }
        if (v instanceof BigDecimal b) {
            return b;
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException(name + ": " + d + " is not a finite number");
            }
            return new BigDecimal(d);
        }
        if (v instanceof Number n) {
            return BigDecimal.valueOf(n.longValue());
        }
        throw new IllegalArgumentException(name + ": " + v + " is not a number");
    }
}
