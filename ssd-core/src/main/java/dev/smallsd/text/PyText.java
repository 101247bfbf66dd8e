package dev.smallsd.text;

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
     * Python's {@code s.lower()}: full Unicode lower-casing (SpecialCasing, final sigma), locale independent.
     *
     * @param s text
     * @return the lower-cased text
     */
    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
