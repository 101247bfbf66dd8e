package dev.smallsd.pipeline;

import dev.smallsd.GenerationRequest;
import dev.smallsd.schedulers.Scheduler;
import java.util.Locale;

/** The generation-parameters text AUTOMATIC1111's web UI writes into PNGs (and reads back). */
final class Parameters {
    private Parameters() {}

    static String a1111(GenerationRequest r, int promptIndex, Scheduler scheduler, int width, int height, long seed,
            String model) {
        StringBuilder b = new StringBuilder(r.prompts().get(promptIndex));
        if (!r.negativePrompts().isEmpty() && !r.negativePrompts().get(promptIndex).isEmpty()) {
            b.append("\nNegative prompt: ").append(r.negativePrompts().get(promptIndex));
        }
        b.append("\nSteps: ").append(r.steps())
                .append(", Sampler: ").append(r.scheduler() != null ? r.scheduler().userName() : scheduler.className())
                .append(", CFG scale: ").append(format(r.guidanceScale()))
                .append(", Seed: ").append(seed)
                .append(", Size: ").append(width).append('x').append(height)
                .append(", Model: ").append(model);
        if (r.isImageToImage()) {
            b.append(", Denoising strength: ").append(format(r.strength()));
        }
        if (r.clipSkip() > 0) {
            b.append(", Clip skip: ").append(r.clipSkip() + 1);
        }
        return b.toString();
    }

    private static String format(double v) {
        if (v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%s", v);
    }
}
