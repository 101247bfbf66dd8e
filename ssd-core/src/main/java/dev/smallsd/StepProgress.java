package dev.smallsd;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Optional;

/**
 * Progress of a running request, handed to a {@link ProgressListener} after every model call.
 *
 * <p>A run makes {@code totalModelCalls} UNet calls, which is not always {@code steps}: PNDM adds one call (its
 * first, Runge-Kutta-like step evaluates the model twice), and image-to-image / inpainting run only the last
 * {@code strength · steps} of the schedule.
 *
 * @param modelCall the model call just finished, 1-based
 * @param totalModelCalls the number of model calls of this run
 * @param steps the denoising steps the request asked for ({@link GenerationRequest#steps()})
 * @param timestep the scheduler timestep of this call
 * @param previews one preview image per batch item, the final images' size, when this call is a preview call
 *     ({@link GenerationRequest.Builder#progress(ProgressListener, int, PreviewMode)}: made in the request's
 *     {@link PreviewMode}), else empty
 */
public record StepProgress(int modelCall, int totalModelCalls, int steps, double timestep,
        List<BufferedImage> previews) {

    /** Copies the previews so the record is immutable. */
    public StepProgress {
        previews = previews == null ? List.of() : List.copyOf(previews);
    }

    /** @return the preview of the first image of the batch, when this call made previews */
    public Optional<BufferedImage> preview() {
        return previews.isEmpty() ? Optional.empty() : Optional.of(previews.get(0));
    }

    /** @return the fraction of the run done, in (0, 1] */
    public double fraction() {
        return (double) modelCall / totalModelCalls;
    }
}
