package dev.smallsd;

/**
 * Progress callback of a request ({@link GenerationRequest.Builder#progress}), called on the generating thread after
 * every model call. It sees no engine types; a listener that needs the raw latents uses the advanced
 * {@link StepListener} instead.
 */
@FunctionalInterface
public interface ProgressListener {

    /**
     * @param progress the call just finished, with preview images when they were asked for
     */
    void onProgress(StepProgress progress);
}
