package dev.smallsd.internal.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The few Python {@code str} operations the reference tokenizers rely on, with Python's definitions of
 * "whitespace" (which differ from Java's {@link Character#isWhitespace}).
 */
final class PyText {
    private PyText() {}

    /**
     * Whitespace as the {@code regex} module's {@code \s} sees it: the Unicode White_Space property
     * (TAB..CR, NEL, the space separators Zs, LINE SEPARATOR, PARAGRAPH SEPARATOR).
     *
     * @param cp a code point
     * @return whether {@code \s} matches it
     */
    static boolean isRegexSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || Character.isSpaceChar(cp);
    }

    /**
     * Whitespace as Python's {@code str.isspace}, {@code str.strip()} and {@code str.split()} see it: the
     * White_Space characters plus the information separators U+001C..U+001F.
     *
     * @param cp a code point
     * @return whether Python treats it as whitespace
     */
    static boolean isSpace(int cp) {
        return isRegexSpace(cp) || (cp >= 0x1C && cp <= 0x1F);
    }

    /**
     * Python's {@code s.strip()}.
     *
     * @param s text
     * @return the text without leading and trailing Python whitespace
     */
    static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.codePointAt(start))) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (end > start && isSpace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    /**
     * Python's {@code s.split()} (no separator): runs of whitespace separate, empty pieces are dropped.
     *
     * @param s text
     * @return the pieces
     */
    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && isSpace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            int start = i;
            while (i < n && !isSpace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
        }
        return out;
    }

    /**
     * The reference {@code whitespace_clean}: {@code re.sub(r"\s+", " ", text).strip()}.
     *
     * @param s text
     * @return the text with every whitespace run collapsed to one space and both ends stripped
     */
    static String whitespaceClean(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean inRun = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (isRegexSpace(cp)) {
                if (!inRun) {
                    sb.append(' ');
                    inRun = true;
                }
            } else {
                sb.appendCodePoint(cp);
                inRun = false;
            }
        }
        return strip(sb.toString());
    }

    /**
     * Python's {@code s.lower()}: full Unicode lower-casing (SpecialCasing), locale independent, with Python's
     * rule for the capital sigma: it becomes final {@code ς} when a cased letter precedes it and no cased letter
     * follows it (case-ignorable characters skipped on both sides). Java's own final-sigma rule looks at word
     * boundaries instead and disagrees, e.g. on {@code "LΣר"}.
     *
     * @param s text
     * @return the lower-cased text
     */
    static String lower(String s) {
        int sigma = s.indexOf('\u03A3');
        if (sigma < 0) {
            return s.toLowerCase(Locale.ROOT);
        }
        StringBuilder sb = new StringBuilder(s.length());
        int from = 0;
        while (sigma >= 0) {
            sb.append(s.substring(from, sigma).toLowerCase(Locale.ROOT));
            sb.append(isFinalSigma(s, sigma) ? '\u03C2' : '\u03C3');
            from = sigma + 1;
            sigma = s.indexOf('\u03A3', from);
        }
        return sb.append(s.substring(from).toLowerCase(Locale.ROOT)).toString();
    }

    /** CPython's {@code handle_capital_sigma}. */
    private static boolean isFinalSigma(String s, int at) {
        int j = at;
        int before = -1;
        while (j > 0) {
            int cp = s.codePointBefore(j);
            j -= Character.charCount(cp);
            if (!isCaseIgnorable(cp)) {
                before = cp;
                break;
            }
        }
        if (before < 0 || !isCased(before)) {
            return false;
        }
        for (int k = at + 1; k < s.length(); ) {
            int cp = s.codePointAt(k);
            k += Character.charCount(cp);
            if (!isCaseIgnorable(cp)) {
                return !isCased(cp);
            }
        }
        return true;
    }

    /** Unicode's Cased property: Lowercase, Uppercase or titlecase letter. */
    private static boolean isCased(int cp) {
        return Character.isLowerCase(cp) || Character.isUpperCase(cp) || Character.isTitleCase(cp);
    }

    /**
     * Unicode's Case_Ignorable property: categories Mn, Me, Cf, Lm, Sk, or word-break MidLetter, MidNumLet or
     * Single_Quote.
     */
    private static boolean isCaseIgnorable(int cp) {
        switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK:
            case Character.ENCLOSING_MARK:
            case Character.FORMAT:
            case Character.MODIFIER_LETTER:
            case Character.MODIFIER_SYMBOL:
                return true;
            default:
                break;
        }
        switch (cp) {
            case 0x27: case 0x2E: case 0x3A: case 0xB7: case 0x387: case 0x55F: case 0x5F4: case 0x2018:
            case 0x2019: case 0x2024: case 0x2027: case 0xFE13: case 0xFE52: case 0xFE55: case 0xFF07:
            case 0xFF0E: case 0xFF1A:
                return true;
            default:
                return false;
        }
    }
}
