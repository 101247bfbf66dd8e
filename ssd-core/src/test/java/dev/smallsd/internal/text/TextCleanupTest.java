package dev.smallsd.internal.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Known answers of the Python functions the cleanups restate (outputs of ftfy 6.x {@code fix_text}, Python 3.11
 * {@code html.unescape}, transformers' {@code BasicTokenizer} steps and {@code str.lower}), written as escapes.
 */
class TextCleanupTest {
    static Stream<Arguments> ftfyCases() {
        String[][] rows = {
            {"\uFF2C\uFF2F\uFF35\uFF24\u3000\uFF2E\uFF2F\uFF29\uFF33\uFF25\uFF33", "LOUD NOISES"},
            {"\uFF35\uFF80\uFF70\uFF9D", "U\u30BF\u30FC\u30F3"},
            {"\uFB02u\uFB03e\uFB06 \u0133 \u01C6 \u0149", "fluffiest ij d\u017E 'n"},
            {"\u201Chere\u2019s a test\u201D \u201Ax\u201B \u02BCn", "\"here's a test\" 'x' 'n"},
            {"tom &amp; jerry &lt;3", "tom & jerry <3"},
            {"<b>&amp;</b>", "<b>&amp;</b>"},
            {"&amp;lt;", "<"},
            {"P&EACUTE;REZ BUNDESSTRA&SZLIG;E", "P\u00C9REZ BUNDESSTRASSE"},
            {"&ntilde; &Ntilde; &NTILDE; &nTILDE;", "\u00F1 \u00D1 \u00D1 &nTILDE;"},
            {"&#x41;&#66;&#65a; &#xZZ;", "AB&#65a; &#xZZ;"},
            {"\033[36;44mblue\033[0m", "blue"},
            {"a\001b\013c\fd\177e\uFEFF\u206Af", "abc\fdef"},
            {"c1: \u0080 \u0085 \u0091\u0092 \u009D", "c1: \u20AC \u2026 '' \u009D"},
            {"e\u0301 a\u0308", "\u00E9 \u00E4"},
        };
        return Stream.of(rows).map(r -> Arguments.of(r[0], r[1]));
    }

    @ParameterizedTest(name = "fix_text {index}")
    @MethodSource("ftfyCases")
    void fixTextMatchesFtfy(String in, String expected) {
        assertThat(Ftfy.fixText(in)).isEqualTo(expected);
    }

    @Test
    void fixTextWorksLineByLineAndStopsUnescapingAfterAnAngleBracket() {
        assertThat(Ftfy.fixText("one &amp;\ntwo <x> &amp;\nthree &amp;"))
                .isEqualTo("one &\ntwo <x> &amp;\nthree &amp;");
        assertThat(Ftfy.fixText("l1\r\nl2\rl3\u2028l4\u2029l5")).isEqualTo("l1\nl2\nl3\nl4\nl5");
        assertThat(Ftfy.fixText("tab\tand\nnewline")).isEqualTo("tab\tand\nnewline");
    }

    @Test
    void fixTextReplacesUnpairedSurrogates() {
        assertThat(Ftfy.fixText("a\uD800b\uD83D\uDE00")).isEqualTo("a\uFFFDb\uD83D\uDE00");
    }

    @Test
    void htmlUnescapeMatchesPython() {
        assertThat(HtmlEntities.pyUnescape("&amp &amp; &AMP; &notit; &not it &#x80; &#150; &#0; &#1; &#xD800; "
                + "&#99999999999; &#x110000; &#12 &#x2014 &lt&gt &zz;"))
                .isEqualTo("& & & \u00ACit; \u00AC it \u20AC \u2013 \uFFFD  \uFFFD \uFFFD \uFFFD \f \u2014 <> &zz;");
        assertThat(HtmlEntities.pyUnescape("no entities")).isEqualTo("no entities");
        assertThat(HtmlEntities.html5Count()).isEqualTo(2231);
        assertThat(HtmlEntities.ftfyEntities()).hasSize(3501).containsEntry("&EACUTE;", "\u00C9");
    }

    static Stream<Arguments> basicCases() {
        String[][] rows = {
            {"Zero\u200DWidth\u200BJoin", "zerowidthjoin"},
            {"\u6771\u4EAC\u30BF\u30EF\u30FC", "\u6771 \u4EAC \u30BF\u30EF\u30FC"},
            {"a\u00A0b\u3000c\u2028d", "a b c d"},
            {"CAF\u00C9 e\u0301", "caf\u00E9 \u00E9"},
            {"tab\t\013vt\fff\u0085nel", "tab vtffnel"},
            {"\u039F\u0394\u039F\u03A3 \u03A3", "\u03BF\u03B4\u03BF\u03C2 \u03C3"},
            {"\uE000private \uFFFD repl \000nul", "private repl nul"},
        };
        return Stream.of(rows).map(r -> Arguments.of(r[0], r[1]));
    }

    @ParameterizedTest(name = "BasicTokenizer {index}")
    @MethodSource("basicCases")
    void basicCleanupMatchesTransformers(String in, String expected) {
        assertThat(BasicCleanup.clean(in)).isEqualTo(expected);
    }

    static Stream<Arguments> lowerCases() {
        String[][] rows = {
            {"\u039F\u0394\u039F\u03A3", "\u03BF\u03B4\u03BF\u03C2"},
            {"L\u03A3\u05E8", "l\u03C2\u05E8"},
            {"A\u03A3'B", "a\u03C3'b"},
            {"\u03A3", "\u03C3"},
            {"A\u03A3.", "a\u03C2."},
            {"\u0130stanbul", "i\u0307stanbul"},
            {"\u01C5", "\u01C6"},
            {"\u1E9E", "\u00DF"},
        };
        return Stream.of(rows).map(r -> Arguments.of(r[0], r[1]));
    }

    @ParameterizedTest(name = "lower {index}")
    @MethodSource("lowerCases")
    void lowerMatchesPython(String in, String expected) {
        assertThat(PyText.lower(in)).isEqualTo(expected);
    }

    @Test
    void pythonWhitespace() {
        assertThat(PyText.strip("\u001C\u00A0 x \u2028\u3000")).isEqualTo("x");
        assertThat(PyText.split(" a\u001Fb\u00A0c ")).containsExactly("a", "b", "c");
        assertThat(PyText.whitespaceClean(" a \t\n b\u00A0\u2003c  ")).isEqualTo("a b c");
        assertThat(PyText.whitespaceClean("a\u200Bb")).isEqualTo("a\u200Bb");
    }

    @Test
    void transformersCleanupsSplitOffSpecialTokensFirst() {
        List<String> specials = List.of("<|startoftext|>", "<|endoftext|>");
        assertThat(TextCleanup.HF_BASIC.segments("A &amp;<|endoftext|>B\u200D", specials)).containsExactly(
                new TextCleanup.Segment("a &amp;", false),
                new TextCleanup.Segment("<|endoftext|>", true),
                new TextCleanup.Segment("b", false));
        assertThat(TextCleanup.HF_FTFY.segments("<b> &amp;<|endoftext|>&amp;", specials)).containsExactly(
                new TextCleanup.Segment("<b> &amp;", false),
                new TextCleanup.Segment("<|endoftext|>", true),
                new TextCleanup.Segment("&", false));
        assertThat(TextCleanup.CLIP_FTFY.segments("<b> &amp;<|endoftext|>&amp;", specials)).containsExactly(
                new TextCleanup.Segment("<b> &<|endoftext|>&", false));
        assertThat(TextCleanup.CLIP_FTFY.segments("  \t ", specials)).isEmpty();
    }
}
