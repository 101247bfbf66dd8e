package dev.smallsd.internal.text;

import java.text.Normalizer;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * A restatement of {@code ftfy.fix_text} (ftfy 6.1.1, default configuration) for prompt text.
 *
 * <p>The text is fixed line by line (each segment ends after a {@code '\n'}); once a segment contains {@code '<'}
 * HTML entities are left alone in it and in every later segment ({@code unescape_html="auto"}). Each segment is run
 * through the fixers below until nothing changes:
 * <ol>
 *   <li>{@code unescape_html} — {@link HtmlEntities#ftfyUnescape};</li>
 *   <li>{@code fix_encoding} — <b>only partly restated</b>: ftfy's mojibake detection (its "badness" heuristic and
 *       re-decoding of UTF-8 read as Latin-1/Windows-125x/MacRoman, {@code restore_byte_a0},
 *       {@code replace_lossy_sequences}, {@code decode_inconsistent_utf8}) is not implemented, so text such as
 *       {@code "cafÃ©"} is kept as written where ftfy would give {@code "café"}. Its last resort, C1 controls read
 *       as Windows-1252, is the next fixer;</li>
 *   <li>{@code fix_c1_controls} — U+0080..U+009F as their Windows-1252 characters;</li>
 *   <li>{@code fix_latin_ligatures} — ﬁ, ﬂ, ĳ, ǆ, … split into letters;</li>
 *   <li>{@code fix_character_width} — full-width and half-width forms (U+FF01..U+FFEF) to their NFKC forms,
 *       U+3000 to a space;</li>
 *   <li>{@code uncurl_quotes} — U+02BC, U+2018..U+201B to {@code '}, U+201C..U+201F to {@code "};</li>
 *   <li>{@code fix_line_breaks} — CR LF, CR, U+2028, U+2029, U+0085 to LF;</li>
 *   <li>{@code fix_surrogates} — unpaired surrogates to U+FFFD;</li>
 *   <li>{@code remove_terminal_escapes} — ANSI {@code ESC [ digits/; letter} sequences removed;</li>
 *   <li>{@code remove_control_chars} — C0 controls other than TAB, LF, FF, CR; DEL; U+206A..U+206F; BOM;
 *       U+FFF9..U+FFFC removed;</li>
 *   <li>NFC normalization.</li>
 * </ol>
 */
final class Ftfy {
    /** ftfy's {@code max_decode_length}: segments are cut after this many code points. */
    private static final int MAX_DECODE_LENGTH = 1_000_000;

    /** ftfy's {@code ANSI_RE}; Python's {@code \d} is any decimal digit (Nd). */
    private static final Pattern ANSI = Pattern.compile("\u001B\\[((?:\\p{Nd}|;)*)([a-zA-Z])");

    private static final Map<Integer, String> LIGATURES = Map.ofEntries(
            Map.entry(0x0132, "IJ"), Map.entry(0x0133, "ij"),
            Map.entry(0x0149, "\u02BCn"),
            Map.entry(0x01F1, "DZ"), Map.entry(0x01F2, "Dz"), Map.entry(0x01F3, "dz"),
            Map.entry(0x01C4, "D\u017D"), Map.entry(0x01C5, "D\u017E"), Map.entry(0x01C6, "d\u017E"),
            Map.entry(0x01C7, "LJ"), Map.entry(0x01C8, "Lj"), Map.entry(0x01C9, "lj"),
            Map.entry(0x01CA, "NJ"), Map.entry(0x01CB, "Nj"), Map.entry(0x01CC, "nj"),
            Map.entry(0xFB00, "ff"), Map.entry(0xFB01, "fi"), Map.entry(0xFB02, "fl"),
            Map.entry(0xFB03, "ffi"), Map.entry(0xFB04, "ffl"), Map.entry(0xFB05, "\u017Ft"),
            Map.entry(0xFB06, "st"));

    /** ftfy's {@code WIDTH_MAP}, indexed by {@code cp - 0xFF00}; {@code null} = unchanged. */
    private static final String[] WIDTH = buildWidthMap();

    private Ftfy() {}

    /**
     * {@code ftfy.fix_text(text)} with the default configuration (see the class comment for what is left out).
     *
     * @param text any text
     * @return the fixed text
     */
    static String fixText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean unescapeHtml = true;
        int pos = 0;
        int n = text.length();
        while (pos < n) {
            int textbreak = text.indexOf('\n', pos) + 1;
            if (textbreak == 0) {
                textbreak = n;
            }
            if (text.codePointCount(pos, textbreak) > MAX_DECODE_LENGTH) {
                textbreak = text.offsetByCodePoints(pos, MAX_DECODE_LENGTH);
            }
            String segment = text.substring(pos, textbreak);
            if (unescapeHtml && segment.indexOf('<') >= 0) {
                unescapeHtml = false;
            }
            out.append(fixSegment(segment, unescapeHtml));
            pos = textbreak;
        }
        return out.toString();
    }

    /** {@code ftfy.fix_and_explain(segment)}: the fixers repeated until the text no longer changes. */
    private static String fixSegment(String text, boolean unescapeHtml) {
        while (true) {
            String orig = text;
            if (unescapeHtml) {
                text = HtmlEntities.ftfyUnescape(text);
            }
            text = fixC1Controls(text);
            text = fixLatinLigatures(text);
            text = fixCharacterWidth(text);
            text = uncurlQuotes(text);
            text = fixLineBreaks(text);
            text = fixSurrogates(text);
            text = removeTerminalEscapes(text);
            text = removeControlChars(text);
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(orig)) {
                return text;
            }
        }
    }

    static String fixC1Controls(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80 && c <= 0x9F) {
                if (sb == null) {
                    sb = new StringBuilder(text);
                }
                sb.setCharAt(i, Windows1252.decodeSloppy(c));
            }
        }
        return sb == null ? text : sb.toString();
    }

    static String fixLatinLigatures(String text) {
        return translate(text, cp -> LIGATURES.get(cp));
    }

    static String fixCharacterWidth(String text) {
        return translate(text, cp -> {
            if (cp == 0x3000) {
                return " ";
            }
            return cp >= 0xFF00 && cp <= 0xFFEF ? WIDTH[cp - 0xFF00] : null;
        });
    }

    static String uncurlQuotes(String text) {
        return translate(text, cp -> {
            if (cp == 0x02BC || (cp >= 0x2018 && cp <= 0x201B)) {
                return "'";
            }
            if (cp >= 0x201C && cp <= 0x201F) {
                return "\"";
            }
            return null;
        });
    }

    static String fixLineBreaks(String text) {
        return text.replace("\r\n", "\n")
                .replace('\r', '\n')
                .replace('\u2028', '\n')
                .replace('\u2029', '\n')
                .replace('\u0085', '\n');
    }

    static String fixSurrogates(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                if (sb == null) {
                    sb = new StringBuilder(text);
                }
                sb.setCharAt(i, '\uFFFD');
            }
        }
        return sb == null ? text : sb.toString();
    }

    static String removeTerminalEscapes(String text) {
        return text.indexOf('\u001B') < 0 ? text : ANSI.matcher(text).replaceAll("");
    }

    static String removeControlChars(String text) {
        return translate(text, cp -> isRemovedControl(cp) ? "" : null);
    }

    private static boolean isRemovedControl(int cp) {
        return (cp >= 0x00 && cp <= 0x08)
                || cp == 0x0B
                || (cp >= 0x0E && cp <= 0x1F)
                || cp == 0x7F
                || (cp >= 0x206A && cp <= 0x206F)
                || cp == 0xFEFF
                || (cp >= 0xFFF9 && cp <= 0xFFFC);
    }

    /** Python's {@code str.translate}: code points mapped to a replacement, {@code null} = keep. */
    private static String translate(String text, IntFunction<String> map) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            String rep = map.apply(cp);
            if (rep != null && sb == null) {
                sb = new StringBuilder(text.length());
                sb.append(text, 0, i);
            }
            if (sb != null) {
                if (rep != null) {
                    sb.append(rep);
                } else {
                    sb.append(text, i, next);
                }
            }
            i = next;
        }
        return sb == null ? text : sb.toString();
    }

    private static String[] buildWidthMap() {
        String[] map = new String[0xF0];
        for (int cp = 0xFF01; cp < 0xFFF0; cp++) {
            String ch = new String(Character.toChars(cp));
            String alt = Normalizer.normalize(ch, Normalizer.Form.NFKC);
            if (!alt.equals(ch)) {
                map[cp - 0xFF00] = alt;
            }
        }
        return map;
    }
}
