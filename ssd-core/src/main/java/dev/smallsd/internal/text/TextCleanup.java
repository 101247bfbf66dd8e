package dev.smallsd.internal.text;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * How prompt text is cleaned before CLIP's regex split and byte-level BPE. The three reference tokenizers differ
 * only here; for plain ASCII prompts all three give the same ids.
 */
public enum TextCleanup {
    /**
     * openai CLIP's {@code simple_tokenizer}, the reference: {@code ftfy.fix_text}, {@code html.unescape} twice,
     * strip, whitespace runs to one space, lower-case; special token strings count only where CLIP's regex matches
     * them whole. ftfy's mojibake repair is not restated (see {@link #HF_FTFY}). The default.
     */
    CLIP_FTFY,

    /**
     * transformers' {@code CLIPTokenizer} when {@code ftfy} is installed: the special tokens are split off first,
     * then each piece gets {@code ftfy.fix_text}, whitespace runs to one space, strip, lower-case. Unlike
     * {@link #CLIP_FTFY} there is no extra {@code html.unescape}, so entities survive in text containing
     * {@code '<'}. ftfy's mojibake repair ({@code fix_encoding}'s re-decoding heuristics) is not restated: text that
     * is UTF-8 mis-read as Latin-1/Windows-1252 is kept as written.
     */
    HF_FTFY,

    /**
     * transformers' {@code CLIPTokenizer} without {@code ftfy} (the usual diffusers install): the special tokens
     * are split off first, then BERT's {@code BasicTokenizer} cleanup: control and format characters (such as
     * U+200D) dropped, whitespace to a space, spaces around CJK ideographs, NFC, lower-case; no accent stripping,
     * no punctuation split, no width or ligature fixes, no HTML unescaping. Character categories come from the JDK
     * (Unicode 13 on Java 17): characters assigned later (e.g. the emoji U+1FAE0) count as unassigned and are
     * dropped, where transformers on a newer Python keeps them.
     */
    HF_BASIC;

    /**
     * Cleans one prompt into segments: special tokens that transformers splits off before cleaning (kept verbatim,
     * {@link Segment#special()}) and cleaned text between them.
     *
     * @param text the prompt
     * @param specialTokens the special token strings (BOS, EOS, …)
     * @return the segments, in order; no empty text segments
     */
    List<Segment> segments(String text, List<String> specialTokens) {
        List<Segment> out = new ArrayList<>();
        switch (this) {
            case CLIP_FTFY:
                String fixed = Ftfy.fixText(text);
                fixed = HtmlEntities.pyUnescape(HtmlEntities.pyUnescape(fixed));
                addText(out, PyText.lower(PyText.whitespaceClean(PyText.strip(fixed))));
                return out;
            case HF_FTFY:
                return aroundSpecialTokens(text, specialTokens,
                        piece -> PyText.lower(PyText.whitespaceClean(Ftfy.fixText(piece))));
            case HF_BASIC:
                return aroundSpecialTokens(text, specialTokens, BasicCleanup::clean);
            default:
                throw new AssertionError(this);
        }
    }

    /**
     * transformers' added-token split: exact occurrences of the special tokens (earliest first, the longest at the
     * same position) are kept verbatim; the text between them is cleaned piece by piece.
     */
    private static List<Segment> aroundSpecialTokens(String text, List<String> specialTokens,
            UnaryOperator<String> clean) {
        List<Segment> out = new ArrayList<>();
        for (Segment s : split(text, specialTokens)) {
            if (s.special()) {
                out.add(s);
            } else {
                addText(out, clean.apply(s.text()));
            }
        }
        return out;
    }

    /**
     * transformers' added-token split of raw text: exact occurrences of the tokens, earliest first and the longest
     * at the same position, become {@link Segment#special()} segments; the text between them is kept as it is
     * (possibly empty, between two adjacent tokens or at either end).
     *
     * @param text the text
     * @param tokens the token strings to split off
     * @return the segments in order
     */
    static List<Segment> split(String text, Collection<String> tokens) {
        List<Segment> out = new ArrayList<>();
        int pos = 0;
        while (true) {
            int bestAt = -1;
            String best = null;
            for (String t : tokens) {
                if (t.isEmpty()) {
                    continue;
                }
                int at = text.indexOf(t, pos);
                if (at >= 0 && (bestAt < 0 || at < bestAt || (at == bestAt && t.length() > best.length()))) {
                    bestAt = at;
                    best = t;
                }
            }
            if (best == null) {
                out.add(new Segment(text.substring(pos), false));
                return out;
            }
            out.add(new Segment(text.substring(pos, bestAt), false));
            out.add(new Segment(best, true));
            pos = bestAt + best.length();
        }
    }

    private static void addText(List<Segment> out, String cleaned) {
        if (!cleaned.isEmpty()) {
            out.add(new Segment(cleaned, false));
        }
    }

    /**
     * A piece of cleaned prompt.
     *
     * @param text the cleaned text, or the special token
     * @param special whether this is a special token split off before cleaning
     */
    record Segment(String text, boolean special) {}
}
