package dev.smallsd.internal.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.smallsd.internal.nn.Weights;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The stack of {@link ClipEncoderLayer}s of a CLIP tower ({@code CLIPEncoder}), keys {@code layers.{i}.*} under the
 * prefix given by the caller (e.g. {@code text_model.encoder} or {@code vision_model.vision_model.encoder}).
 */
public final class ClipEncoder {
    private final List<ClipEncoderLayer> layers;

    /**
     * @param w weights view of the encoder (the layers are read from {@code layers.0}, {@code layers.1}, …)
     * @param spec the tower's sizes ({@code num_hidden_layers} layers are built)
     */
    public ClipEncoder(Weights w, ClipEncoderSpec spec) {
        List<ClipEncoderLayer> list = new ArrayList<>(spec.numHiddenLayers());
        Weights layerWeights = w.child("layers");
        for (int i = 0; i < spec.numHiddenLayers(); i++) {
            list.add(new ClipEncoderLayer(layerWeights.child(i), spec));
        }
        this.layers = Collections.unmodifiableList(list);
    }

    /** @return the number of layers */
    public int numLayers() {
        return layers.size();
    }

    /** @return the layers, in order (read-only) */
    public List<ClipEncoderLayer> layers() {
        return layers;
    }

    /**
     * Runs every layer.
     *
     * @param x input embeddings {@code [B, N, hidden]}
     * @param additiveMask {@code [N, N]} attention mask (causal for text) or {@code null}
     * @return the last hidden state {@code [B, N, hidden]} (a new array)
     */
    public NDArray forward(NDArray x, NDArray additiveMask) {
        return forward(x, additiveMask, layers.size());
    }

    /**
     * Runs the first {@code count} layers only (CLIP skip): the result equals {@code hidden_states[count]} of
     * {@link #hiddenStates}. Each intermediate hidden state is closed as soon as the next one exists.
     *
     * @param x input embeddings {@code [B, N, hidden]}
     * @param additiveMask {@code [N, N]} attention mask or {@code null}
     * @param count number of layers to run, {@code 0..numLayers()}
     * @return a new array {@code [B, N, hidden]} (a copy of {@code x} when {@code count} is 0)
     * @throws IllegalArgumentException when {@code count} is out of range
     */
    public NDArray forward(NDArray x, NDArray additiveMask, int count) {
        if (count < 0 || count > layers.size()) {
            throw new IllegalArgumentException("CLIP encoder: cannot run " + count + " of " + layers.size()
                    + " layers");
        }
        if (count == 0) {
            return x.duplicate();
        }
        NDArray h = x;
        for (int i = 0; i < count; i++) {
            NDArray next = layers.get(i).forward(h, additiveMask);
            if (h != x) {
                h.close();
            }
            h = next;
        }
        return h;
    }

    /**
     * All hidden states, as {@code output_hidden_states=True} gives them in transformers: element 0 is (a copy of)
     * the input, element {@code i} the output of layer {@code i}. The arrays belong to the caller's scope.
     *
     * @param x input embeddings {@code [B, N, hidden]}
     * @param additiveMask {@code [N, N]} attention mask or {@code null}
     * @return {@code numLayers() + 1} new arrays
     */
    public NDList hiddenStates(NDArray x, NDArray additiveMask) {
        NDList out = new NDList(layers.size() + 1);
        NDArray h = x.duplicate();
        out.add(h);
        for (ClipEncoderLayer layer : layers) {
            h = layer.forward(h, additiveMask);
            out.add(h);
        }
        return out;
    }
}
