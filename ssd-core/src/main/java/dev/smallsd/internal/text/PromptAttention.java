package dev.smallsd.internal.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AUTOMATIC1111's prompt attention syntax ({@code modules/prompt_parser.py}, {@code parse_prompt_attention}): a
 * prompt becomes runs of text with a weight.
 * <ul>
 *   <li>{@code (text)} multiplies the weight of the text by 1.1, {@code [text]} divides it by 1.1,
 *       {@code (text:w)} multiplies it by {@code w}; nesting multiplies;</li>
 *   <li>{@code \(}, {@code \)}, {@code \[}, {@code \]} and {@code \\} are the literal characters;</li>
 *   <li>brackets still open at the end apply to everything after them; a closing bracket without an opening one
 *       is ordinary text;</li>
 *   <li>the word {@code BREAK} (with the white space around it) gives the run {@link Run#isBreak() BREAK};</li>
 *   <li>neighbouring runs of equal weight are merged; an empty prompt is one empty run of weight 1.</li>
 * </ul>
 */
public final class PromptAttention {
    /** A1111's {@code re_attention}: escapes, brackets, {@code :weight)}, plain text, a lone colon. */
    private static final Pattern ATTENTION = Pattern.compile(
            "\\\\\\(|\\\\\\)|\\\\\\[|\\\\]|\\\\\\\\|\\\\|\\(|\\[|:([+-]?[.\\d]+)\\)|\\)|]|[^\\\\()\\[\\]:]+|:",
            Pattern.UNICODE_CHARACTER_CLASS);
    /** A1111's {@code re_break}. */
    private static final Pattern BREAK = Pattern.compile("\\s*\\bBREAK\\b\\s*",
            Pattern.UNICODE_CHARACTER_CLASS | Pattern.DOTALL);
    private static final double ROUND = 1.1;
    private static final double SQUARE = 1 / 1.1;
    /** The text of a chunk-break run. */
    public static final String BREAK_TEXT = "BREAK";

    private PromptAttention() {}

    /**
     * A piece of prompt text and its attention weight.
     *
     * @param text the text (brackets and escapes removed)
     * @param weight the product of the multipliers around it; {@code -1} with text {@code "BREAK"} marks a break
     */
    public record Run(String text, double weight) {
        /** @return whether this run closes the current 75-token chunk (A1111's {@code ["BREAK", -1]}) */
        public boolean isBreak() {
            return BREAK_TEXT.equals(text) && weight == -1;
        }
    }

    /**
     * Parses a prompt as {@code parse_prompt_attention} does.
     *
     * @param prompt the prompt
     * @return its runs, in order (at least one)
     * @throws IllegalArgumentException starting with {@code prompt} when a {@code (text:w)} weight is not a number
     */
    public static List<Run> parse(String prompt) {
        Objects.requireNonNull(prompt, "prompt");
        List<String> texts = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        List<Integer> round = new ArrayList<>();
        List<Integer> square = new ArrayList<>();
        Matcher m = ATTENTION.matcher(prompt);
        while (m.find()) {
            String text = m.group();
            String weight = m.group(1);
            if (text.startsWith("\\")) {
                texts.add(text.substring(1));
                weights.add(1.0);
            } else if (text.equals("(")) {
                round.add(texts.size());
            } else if (text.equals("[")) {
                square.add(texts.size());
            } else if (weight != null && !round.isEmpty()) {
                multiply(weights, round.remove(round.size() - 1), parseWeight(prompt, weight));
            } else if (text.equals(")") && !round.isEmpty()) {
                multiply(weights, round.remove(round.size() - 1), ROUND);
            } else if (text.equals("]") && !square.isEmpty()) {
                multiply(weights, square.remove(square.size() - 1), SQUARE);
            } else {
                String[] parts = BREAK.split(text, -1);
                for (int i = 0; i < parts.length; i++) {
                    if (i > 0) {
                        texts.add(BREAK_TEXT);
                        weights.add(-1.0);
                    }
                    texts.add(parts[i]);
                    weights.add(1.0);
                }
            }
        }
        for (int pos : round) {
            multiply(weights, pos, ROUND);
        }
        for (int pos : square) {
            multiply(weights, pos, SQUARE);
        }
        if (texts.isEmpty()) {
            texts.add("");
            weights.add(1.0);
        }
        List<Run> runs = new ArrayList<>();
        StringBuilder text = new StringBuilder(texts.get(0));
        double w = weights.get(0);
        for (int i = 1; i < texts.size(); i++) {
            if (weights.get(i) == w) {
                text.append(texts.get(i));
            } else {
                runs.add(new Run(text.toString(), w));
                text = new StringBuilder(texts.get(i));
                w = weights.get(i);
            }
        }
        runs.add(new Run(text.toString(), w));
        return List.copyOf(runs);
    }

    private static void multiply(List<Double> weights, int from, double by) {
        for (int i = from; i < weights.size(); i++) {
            weights.set(i, weights.get(i) * by);
        }
    }

    /** Python's {@code float()} of {@code [+-]?[.\d]+} (any Unicode decimal digit). */
    private static double parseWeight(String prompt, String weight) {
        StringBuilder ascii = new StringBuilder(weight.length());
        weight.codePoints().forEach(c -> ascii.append(Character.isDigit(c) ? (char) ('0' + Character.digit(c, 10))
                : (char) c));
        try {
            return Double.parseDouble(ascii.toString());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("prompt: the attention weight '" + weight + "' in \"" + prompt
                    + "\" is not a number (write (text:1.2))", e);
        }
    }
}
