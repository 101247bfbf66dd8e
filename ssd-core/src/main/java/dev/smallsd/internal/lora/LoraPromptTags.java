package dev.smallsd.internal.lora;

import dev.smallsd.LoraUse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AUTOMATIC1111's LoRA prompt tags {@code <lora:name>} and {@code <lora:name:weight>} (its extra-network syntax,
 * {@code <(\w+):([^>]+)>} with the arguments split at {@code :}): {@link #extract} removes them from a prompt and
 * returns them as {@link LoraUse}s (weight 1.0 when omitted), for LoRAs registered on the instance. Tags of other
 * extra networks ({@code <hypernet:...>}) are left in the prompt. A1111's separate text-encoder and UNet weights
 * ({@code <lora:name:te:unet>}) are accepted only when equal, since a request has one scale per LoRA.
 */
public final class LoraPromptTags {
    private static final Pattern EXTRA_NETWORK = Pattern.compile("<(\\w+):([^>]+)>");

    private LoraPromptTags() {}

    /**
     * A prompt without its LoRA tags, and the tags.
     *
     * @param prompt the prompt with the tags removed (the rest unchanged)
     * @param loras the tags, in prompt order
     */
    public record Result(String prompt, List<LoraUse> loras) {}

    /**
     * @param prompt a prompt in A1111 syntax
     * @return the prompt without {@code <lora:...>} tags, and the tags
     * @throws IllegalArgumentException ("prompt: ...") for a tag whose weight is not a number
     */
    public static Result extract(String prompt) {
        Matcher m = EXTRA_NETWORK.matcher(prompt);
        StringBuilder rest = new StringBuilder();
        List<LoraUse> loras = new ArrayList<>();
        while (m.find()) {
            if (!"lora".equals(m.group(1))) {
                m.appendReplacement(rest, Matcher.quoteReplacement(m.group()));
                continue;
            }
            String[] items = m.group(2).split(":", -1);
            String name = items[0];
            double te = items.length > 1 ? weight(items[1], m.group()) : 1.0;
            double unet = items.length > 2 ? weight(items[2], m.group()) : te;
            if (items.length > 3 || unet != te) {
                throw new IllegalArgumentException("prompt: " + m.group() + " gives separate text-encoder and UNet "
                        + "weights; one weight per LoRA is supported");
            }
            loras.add(new LoraUse(name, te));
            m.appendReplacement(rest, "");
        }
        m.appendTail(rest);
        return new Result(rest.toString(), List.copyOf(loras));
    }

    private static double weight(String s, String tag) {
        try {
            double w = Double.parseDouble(s.trim());
            if (Double.isFinite(w)) {
                return w;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("prompt: " + tag + " has weight '" + s + "', not a number");
    }
}
