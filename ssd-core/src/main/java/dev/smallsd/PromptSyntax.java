package dev.smallsd;

/** How a request's prompts and negative prompts are read. */
public enum PromptSyntax {
    /**
     * diffusers' plain prompt (the default): the text as written, cut at the tokenizer's 77 tokens with a logged
     * warning naming the removed part.
     */
    PLAIN,

    /**
     * AUTOMATIC1111's syntax: {@code (word)}, {@code [word]}, {@code (word:1.3)}, escapes {@code \(}…,
     * {@code BREAK}; prompts of any length in 75-token chunks with the comma backtrack; emphasis "Original"; prompt
     * and negative prompt padded to the same number of chunks (see {@link dev.smallsd.internal.text.WeightedPromptEncoder}).
     */
    A1111
}
