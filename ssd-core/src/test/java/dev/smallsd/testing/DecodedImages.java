package dev.smallsd.testing;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.smallsd.internal.pipeline.PipelineHooks;

/** A pipeline observer that keeps a copy of the decoded float images {@code [B, H, W, 3]} (before safety). */
public final class DecodedImages implements PipelineHooks.Observer {
    private final NDManager manager;
    private NDArray images;

    /** @param manager owner of the copy */
    public DecodedImages(NDManager manager) {
        this.manager = manager;
    }

    @Override
    public void onDecoded(NDArray imagesNhwc) {
        images = manager.create(imagesNhwc.toFloatArray(), imagesNhwc.getShape());
        NDScope.unregister(images); // called inside the run's scope: keep the copy alive after the run
    }

    /** @return the copy */
    public NDArray images() {
        assertThat(images).as("the pipeline reported its decoded images").isNotNull();
        return images;
    }
}
