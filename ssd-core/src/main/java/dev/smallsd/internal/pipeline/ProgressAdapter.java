package dev.smallsd.internal.pipeline;

import ai.djl.ndarray.NDArray;
import dev.smallsd.PreviewMode;
import dev.smallsd.ProgressListener;
import dev.smallsd.StepListener;
import dev.smallsd.StepProgress;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Internal: carries a {@link ProgressListener} (and its preview interval and mode) in a request's listener slot. The
 * pipeline recognises it and calls {@link #report} with a preview maker, so previews are made only on the calls that
 * asked for them; every other run has no extra work.
 */
public final class ProgressAdapter implements StepListener {
    private final ProgressListener listener;
    private final int previewEvery;
    private final PreviewMode previewMode;

    /**
     * @param listener the application's listener
     * @param previewEvery decode previews every this many model calls (0 = never)
     * @param previewMode how previews are made
     * @throws IllegalArgumentException ({@code previewEvery: ...}) when the interval is negative
     */
    public ProgressAdapter(ProgressListener listener, int previewEvery, PreviewMode previewMode) {
        this.listener = Objects.requireNonNull(listener, "progress");
        if (previewEvery < 0) {
            throw new IllegalArgumentException("previewEvery: " + previewEvery + " must be >= 0 (0 = no previews)");
        }
        this.previewEvery = previewEvery;
        this.previewMode = Objects.requireNonNull(previewMode, "previewMode");
    }

    /** @return the requested preview mode, or {@code null} when this listener asks for no previews */
    PreviewMode previewMode() {
        return previewEvery > 0 ? previewMode : null;
    }

    /** Reports a call without previews (for a caller that has no decoder; steps are taken as the calls). */
    @Override
    public void onStep(int step, int totalSteps, double timestep, NDArray latents) {
        listener.onProgress(new StepProgress(step, totalSteps, totalSteps, timestep, List.of()));
    }

    /**
     * @param call the model call just finished, 1-based
     * @param totalCalls the run's model calls
     * @param steps the request's steps
     * @param timestep the call's timestep
     * @param latents the latents after the call
     * @param decoder latents to images, used only on preview calls
     */
    void report(int call, int totalCalls, int steps, double timestep, NDArray latents,
            Function<NDArray, List<BufferedImage>> decoder) {
        boolean preview = previewEvery > 0 && call % previewEvery == 0;
        listener.onProgress(new StepProgress(call, totalCalls, steps, timestep,
                preview ? decoder.apply(latents) : List.of()));
    }
}
