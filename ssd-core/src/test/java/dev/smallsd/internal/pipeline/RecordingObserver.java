package dev.smallsd.internal.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;

/** Copies every value a pipeline run exposes into a test-owned manager, in call order. */
final class RecordingObserver implements PipelineHooks.Observer {
    final NDManager manager;
    final List<NDArray> inputIds = new ArrayList<>();
    final List<NDArray> embeddings = new ArrayList<>();
    final List<NDArray> unetInput = new ArrayList<>();
    final List<NDArray> unetTimestep = new ArrayList<>();
    final List<NDArray> unetOutput = new ArrayList<>();
    final List<NDArray> stepLatents = new ArrayList<>();
    NDArray initialLatents;
    NDArray decoded;

    RecordingObserver(NDManager manager) {
        this.manager = manager;
    }

    private NDArray keep(NDArray a) {
        NDArray c = manager.create(a.toByteBuffer(), a.getShape(), a.getDataType());
        NDScope.unregister(c); // the run's scope must not close the recording
        return c;
    }

    @Override
    public void onTextEncoded(NDArray ids, NDArray emb) {
        inputIds.add(keep(ids));
        embeddings.add(keep(emb));
    }

    @Override
    public void onInitialLatents(NDArray latents) {
        initialLatents = keep(latents);
    }

    @Override
    public void onUnetCall(int call, NDArray input, NDArray timestep, NDArray output) {
        unetInput.add(keep(input));
        unetTimestep.add(keep(timestep.get(0)));
        unetOutput.add(keep(output));
    }

    @Override
    public void onStepLatents(int step, NDArray latents) {
        stepLatents.add(keep(latents));
    }

    @Override
    public void onDecoded(NDArray images) {
        decoded = keep(images);
    }

    static NDArray stack(List<NDArray> l) {
        return NDArrays.stack(new NDList(l));
    }

    static NDArray concat(List<NDArray> l) {
        return NDArrays.concat(new NDList(l));
    }
}
