package dev.smallsd.safety;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.nn.Conv2d;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;

/**
 * CLIP's vision embeddings ({@code CLIPVisionEmbeddings}): non-overlapping patches projected by
 * {@code patch_embedding} (conv, kernel = stride = patch size, no bias), the learned {@code class_embedding} token
 * prepended, and {@code position_embedding.weight} {@code [(image/patch)^2 + 1, hidden]} added.
 */
public final class ClipVisionEmbeddings {
    private final Conv2d patchEmbedding;
    private final NDArray classEmbedding;
    private final NDArray positionEmbedding;
    private final int hidden;
    private final int imageSize;
    private final int numChannels;
    private final int numPositions;

    /**
     * @param w weights view of the embeddings (e.g. {@code vision_model.vision_model.embeddings})
     * @param hidden {@code hidden_size}
     * @param imageSize {@code image_size}, the side of the square input
     * @param patchSize {@code patch_size}
     * @param numChannels {@code num_channels} (3)
     * @throws IllegalArgumentException when a size is not positive or the patch is larger than the image
     */
    public ClipVisionEmbeddings(Weights w, int hidden, int imageSize, int patchSize, int numChannels) {
        if (hidden <= 0 || imageSize <= 0 || patchSize <= 0 || numChannels <= 0 || patchSize > imageSize) {
            throw new IllegalArgumentException("CLIP vision embeddings: hidden_size " + hidden + ", image_size "
                    + imageSize + ", patch_size " + patchSize + ", num_channels " + numChannels
                    + " must be positive with patch_size <= image_size");
        }
        this.hidden = hidden;
        this.imageSize = imageSize;
        this.numChannels = numChannels;
        int perSide = imageSize / patchSize;
        this.numPositions = perSide * perSide + 1;
        this.classEmbedding = w.get("class_embedding", hidden);
        this.patchEmbedding = new Conv2d(w.child("patch_embedding"), numChannels, hidden, patchSize, patchSize, 0,
                false);
        this.positionEmbedding = w.get("position_embedding.weight", numPositions, hidden);
    }

    /**
     * @param pixelValues normalised images {@code [B, num_channels, image_size, image_size]}, float32
     * @return token embeddings {@code [B, (image/patch)^2 + 1, hidden]}, the class token first
     * @throws IllegalArgumentException for a wrong shape or element type
     */
    public NDArray forward(NDArray pixelValues) {
        Shape s = pixelValues.getShape();
        if (s.dimension() != 4 || s.get(0) < 1 || s.get(1) != numChannels || s.get(2) != imageSize
                || s.get(3) != imageSize) {
            throw new IllegalArgumentException("CLIP vision tower: pixel_values must have shape [batch, "
                    + numChannels + ", " + imageSize + ", " + imageSize + "], got " + s);
        }
        if (pixelValues.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("CLIP vision tower: pixel_values must be float32, got "
                    + pixelValues.getDataType());
        }
        long b = s.get(0);
        return Scopes.run(() -> {
            NDArray grid = patchEmbedding.forward(pixelValues);
            NDArray patches = grid.reshape(b, hidden, numPositions - 1).transpose(0, 2, 1);
            NDArray cls = pixelValues.getManager().zeros(new Shape(b, 1, hidden)).addi(classEmbedding);
            NDArray tokens = NDArrays.concat(new NDList(cls, patches), 1);
            return tokens.addi(positionEmbedding);
        });
    }

    /** @return the number of tokens, {@code (image/patch)^2 + 1} */
    public int numPositions() {
        return numPositions;
    }
}
