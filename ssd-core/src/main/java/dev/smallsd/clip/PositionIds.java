package dev.smallsd.clip;

/**
 * Older transformers checkpoints ({@code pytorch_model.bin}) store the int64 buffer {@code embeddings.position_ids}
 * next to the parameters (e.g. {@code text_model.embeddings.position_ids} [1,77],
 * {@code vision_model.vision_model.embeddings.position_ids} [1,50]). It is always {@code 0..n-1}, so loaders ignore it.
 */
public final class PositionIds {
    private PositionIds() {}

    /**
     * @param checkpointKey a tensor name of a checkpoint
     * @return whether it is a CLIP {@code position_ids} buffer rather than a parameter
     */
    public static boolean isBuffer(String checkpointKey) {
        return checkpointKey.equals("embeddings.position_ids") || checkpointKey.endsWith(".embeddings.position_ids");
    }
}
