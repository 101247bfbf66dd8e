package dev.smallsd.internal.pipeline;

import dev.smallsd.GenerationRequest;
import dev.smallsd.schedulers.Scheduler;
import dev.smallsd.schedulers.SchedulerType;
import java.util.Arrays;
import java.util.Locale;

/**
 * The generation-parameters text AUTOMATIC1111's web UI writes into PNGs (and reads back).
 *
 * <p>Every image of a batch comes from one generator (as in diffusers), so the images share one {@code Seed} and image
 * {@code i} is reproduced by the same request with the same seed and batch size, taking image {@code i}: a batch of
 * two or more records A1111's {@code Batch size: N, Batch pos: i} (0-based) for that.
 */
final class Parameters {
    private Parameters() {}

    /**
     * @param r the request
     * @param image the image's position in the batch, 0-based
     * @param scheduler the scheduler that ran
     * @param width image width
     * @param height image height
     * @param seed the run's seed
     * @param model the model name
     * @return the image's {@code parameters} text
     */
    static String a1111(GenerationRequest r, int image, Scheduler scheduler, int width, int height, long seed,
            String model) {
        int promptIndex = image / r.imagesPerPrompt();
        StringBuilder b = new StringBuilder(r.prompts().get(promptIndex));
        if (!r.negativePrompts().isEmpty() && !r.negativePrompts().get(promptIndex).isEmpty()) {
            b.append("\nNegative prompt: ").append(r.negativePrompts().get(promptIndex));
        }
        b.append("\nSteps: ").append(r.steps())
                .append(", Sampler: ").append(sampler(r.scheduler(), scheduler));
        if (karras(r.scheduler(), scheduler)) {
            b.append(", Schedule type: Karras");
        }
        b.append(", CFG scale: ").append(format(r.guidanceScale()))
                .append(", Seed: ").append(seed)
                .append(", Size: ").append(width).append('x').append(height)
                .append(", Model: ").append(model);
        if (r.batchSize() > 1) {
            b.append(", Batch size: ").append(r.batchSize()).append(", Batch pos: ").append(image);
        }
        if (r.isImageToImage()) {
            b.append(", Denoising strength: ").append(format(r.strength()));
        }
        if (r.clipSkip() > 0) {
            b.append(", Clip skip: ").append(r.clipSkip() + 1);
        }
        return b.toString();
    }

    /**
     * AUTOMATIC1111's sampler name for the scheduler used (the request's type, or the type whose class the model's
     * own scheduler is), so A1111 reads it back; our name or the diffusers class where A1111 has none.
     */
    private static String sampler(SchedulerType requested, Scheduler scheduler) {
        SchedulerType type = requested != null ? requested : Arrays.stream(SchedulerType.values())
                .filter(t -> t.className().equals(scheduler.className()) && t.overrides().isEmpty())
                .findFirst().orElse(null);
        if (type == null) {
            return scheduler.className();
        }
        return type.a1111Sampler().orElse(type.userName());
    }

    private static boolean karras(SchedulerType requested, Scheduler scheduler) {
        if (requested != null && requested.a1111Sampler().isPresent()) {
            return requested.a1111ScheduleType().isPresent();
        }
        return scheduler.config().has("use_karras_sigmas") && scheduler.config().getBoolean("use_karras_sigmas");
    }

    private static String format(double v) {
        if (v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%s", v);
    }
}
