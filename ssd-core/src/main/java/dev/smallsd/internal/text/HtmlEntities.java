package dev.smallsd.internal.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTML character references, decoded two ways: as Python's {@code html.unescape} does (used twice by openai's
 * CLIP {@code basic_clean}), and as ftfy's {@code unescape_html} fixer does (only {@code ;}-terminated names,
 * plus upper-cased names of lower-case entities such as {@code &EACUTE;}). The named references come from the
 * HTML5 list in the resource {@code html5-entities.tsv}.
 */
final class HtmlEntities {
    private static final String RESOURCE = "html5-entities.tsv";

    /** Python's {@code html._charref}. */
    private static final Pattern PY_CHARREF =
            Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");

    /** ftfy's {@code HTML_ENTITY_RE}. */
    private static final Pattern FTFY_ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");

    /** HTML5 name (with or without the trailing {@code ;}) to its characters, in list order. */
    private static final Map<String, String> HTML5 = load();

    /** ftfy's {@code HTML_ENTITIES}: {@code "&name;"} to characters. */
    private static final Map<String, String> FTFY_ENTITIES = buildFtfyEntities();

    private HtmlEntities() {}

    /**
     * Python's {@code html.unescape(s)} (HTML5 rules: numeric references with Windows-1252 fix-ups for
     * 0x80..0x9F, invalid code points dropped or replaced, named references with or without {@code ;}, the
     * longest known prefix of an unknown name).
     *
     * @param s text
     * @return the text with character references decoded
     */
    static String pyUnescape(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        Matcher m = PY_CHARREF.matcher(s);
        return m.replaceAll(r -> Matcher.quoteReplacement(replaceCharref(r.group(1))));
    }

    private static String replaceCharref(String s) {
        if (s.charAt(0) == '#') {
            boolean hex = s.charAt(1) == 'x' || s.charAt(1) == 'X';
            String digits = stripSemicolons(s.substring(hex ? 2 : 1));
            BigInteger big = new BigInteger(digits, hex ? 16 : 10);
            int num = big.bitLength() > 31 ? Integer.MAX_VALUE : big.intValue();
            String windows = windows1252Fixup(num);
            if (windows != null) {
                return windows;
            }
            if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) {
                return "\uFFFD";
            }
            if (isInvalidCodePoint(num)) {
                return "";
            }
            return new String(Character.toChars(num));
        }
        String exact = HTML5.get(s);
        if (exact != null) {
            return exact;
        }
        // the longest known prefix of at least two characters (Python: for x in range(len(s)-1, 1, -1))
        for (int x = s.length() - 1; x > 1; x--) {
            String v = HTML5.get(s.substring(0, x));
            if (v != null) {
                return v + s.substring(x);
            }
        }
        return "&" + s;
    }

    private static String stripSemicolons(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == ';') {
            end--;
        }
        return s.substring(0, end);
    }

    /** Python's {@code html._invalid_charrefs}: NUL, CR and the Windows-1252 meanings of 0x80..0x9F. */
    private static String windows1252Fixup(int num) {
        if (num == 0x00) {
            return "\uFFFD";
        }
        if (num == 0x0D) {
            return "\r";
        }
        if (num >= 0x80 && num <= 0x9F) {
            return String.valueOf(Windows1252.decodeSloppy(num));
        }
        return null;
    }

    /** Python's {@code html._invalid_codepoints}. */
    private static boolean isInvalidCodePoint(int num) {
        return (num >= 0x1 && num <= 0x8)
                || num == 0xB
                || (num >= 0xE && num <= 0x1F)
                || (num >= 0x7F && num <= 0x9F)
                || (num >= 0xFDD0 && num <= 0xFDEF)
                || (num <= 0x10FFFF && (num & 0xFFFE) == 0xFFFE);
    }

    /**
     * ftfy's {@code unescape_html}: decodes {@code &name;} for the HTML5 names that end in {@code ;} (and the
     * upper-cased forms of lower-case names that are not themselves references), and {@code &#...;} numeric
     * references only when Python's {@code html.unescape} consumes the whole reference.
     *
     * @param text text
     * @return the text with those references decoded
     */
    static String ftfyUnescape(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher m = FTFY_ENTITY.matcher(text);
        return m.replaceAll(r -> Matcher.quoteReplacement(ftfyFixup(r.group())));
    }

    private static String ftfyFixup(String entity) {
        String named = FTFY_ENTITIES.get(entity);
        if (named != null) {
            return named;
        }
        if (entity.startsWith("&#")) {
            String unescaped = pyUnescape(entity);
            return unescaped.indexOf(';') >= 0 ? entity : unescaped;
        }
        return entity;
    }

    private static Map<String, String> buildFtfyEntities() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : HTML5.entrySet()) {
            String name = e.getKey();
            if (!name.endsWith(";")) {
                continue;
            }
            out.put("&" + name, e.getValue());
            if (name.equals(name.toLowerCase(Locale.ROOT))) {
                String upper = "&" + name.toUpperCase(Locale.ROOT);
                if (pyUnescape(upper).equals(upper)) {
                    out.put(upper, e.getValue().toUpperCase(Locale.ROOT));
                }
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private static Map<String, String> load() {
        Map<String, String> map = new LinkedHashMap<>();
        try (InputStream in = HtmlEntities.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing class-path resource dev/smallsd/text/" + RESOURCE);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int tab = line.indexOf('\t');
                StringBuilder chars = new StringBuilder();
                for (String hex : line.substring(tab + 1).split(" ")) {
                    chars.appendCodePoint(Integer.parseInt(hex, 16));
                }
                map.put(line.substring(0, tab), chars.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read class-path resource dev/smallsd/text/" + RESOURCE, e);
        }
        return Collections.unmodifiableMap(map);
    }

    /** @return the number of HTML5 names known (for tests) */
    static int html5Count() {
        return HTML5.size();
    }

    /** @return ftfy's entity table as restated here (for tests) */
    static Map<String, String> ftfyEntities() {
        return FTFY_ENTITIES;
    }
}
