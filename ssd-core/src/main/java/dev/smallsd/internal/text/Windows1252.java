package dev.smallsd.internal.text;

/**
 * The Windows-1252 meanings of the bytes 0x80..0x9F, "sloppy" as ftfy and browsers read them: the five bytes
 * Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay the C1 control of the same number.
 */
final class Windows1252 {
    private static final char[] HIGH = {
        '\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
        '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
        '\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
        '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
    };

    private Windows1252() {}

    /**
     * @param b a byte value (or C1 code point) in 0x80..0x9F
     * @return the character Windows-1252 gives it
     */
    static char decodeSloppy(int b) {
        if (b < 0x80 || b > 0x9F) {
            throw new IllegalArgumentException("not in 0x80..0x9F: " + b);
        }
        return HIGH[b - 0x80];
    }
}
