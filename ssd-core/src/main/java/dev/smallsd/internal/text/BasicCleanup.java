package dev.smallsd.internal.text;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The text cleanup of transformers' {@code CLIPTokenizer} when {@code ftfy} is not installed:
 * {@code " ".join(BasicTokenizer(strip_accents=False, do_split_on_punc=False).tokenize(text))}.
 *
 * <p>Steps: drop NUL, U+FFFD and every "C*" category character except TAB/LF/CR (controls, format characters such
 * as U+200D ZERO WIDTH JOINER, private use, surrogates, unassigned); TAB/LF/CR and space separators (Zs) become a
 * space; a space on each side of every CJK ideograph; NFC; split on whitespace; lower-case each piece; join with
 * single spaces. No accent stripping, no punctuation split. Categories come from the JDK's Unicode tables
 * (Unicode 13 on Java 17), so characters newer than that count as unassigned and are dropped.
 */
final class BasicCleanup {
    private BasicCleanup() {}

    /**
     * @param text raw text
     * @return the cleaned text, words separated by single spaces
     */
    static String clean(String text) {
        StringBuilder cleaned = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                continue;
            }
            if (isWhitespace(cp)) {
                cleaned.append(' ');
            } else if (isChineseChar(cp)) {
                cleaned.append(' ').appendCodePoint(cp).append(' ');
            } else {
                cleaned.appendCodePoint(cp);
            }
        }
        String nfc = Normalizer.normalize(cleaned, Normalizer.Form.NFC);
        List<String> lowered = new ArrayList<>();
        for (String token : PyText.split(nfc)) {
            lowered.add(PyText.lower(token));
        }
        return String.join(" ", PyText.split(String.join(" ", lowered)));
    }

    /** BasicTokenizer's {@code _is_whitespace}. */
    private static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r'
                || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /** BasicTokenizer's {@code _is_control}: any "C*" category except TAB, LF, CR. */
    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL
                || type == Character.FORMAT
                || type == Character.PRIVATE_USE
                || type == Character.SURROGATE
                || type == Character.UNASSIGNED;
    }

    /** BasicTokenizer's {@code _is_chinese_char}: the CJK Unified Ideographs blocks and compatibility ideographs. */
    private static boolean isChineseChar(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
