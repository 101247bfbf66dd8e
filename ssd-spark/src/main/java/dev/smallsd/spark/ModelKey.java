package dev.smallsd.spark;

import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import java.io.Serializable;

/**
 * What identifies a loaded model in an executor JVM: everything given to {@link SmallStableDiffusion.Builder} that
 * changes the loaded weights or checker. The scheduler is not part of it (it is chosen per request), nor are the
 * libtorch threads (a process-wide setting made by the first load).
 *
 * @param model a Hugging Face Hub id or a folder path, as the executor sees it
 * @param revision Hub revision, or {@code null} for {@code main}
 * @param variant weight variant such as {@code "fp16"}, or {@code null}
 * @param safety what happens to flagged images
 * @param attentionSliceSize attention query slice size, or {@code null} for the library default
 * @param vaeTiling tiled VAE decoding
 */
record ModelKey(String model, String revision, String variant, SafetyMode safety, Integer attentionSliceSize,
        boolean vaeTiling) implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * Loads the model.
     *
     * @param threads libtorch intra-op threads to set (process-wide)
     * @return the ready instance
     */
    SmallStableDiffusion load(int threads) {
        SmallStableDiffusion.Builder b = SmallStableDiffusion.builder()
                .model(model)
                .safetyMode(safety)
                .vaeTiling(vaeTiling)
                .threads(threads);
        if (revision != null) {
            b.revision(revision);
        }
        if (variant != null) {
            b.variant(variant);
        }
        if (attentionSliceSize != null) {
            b.attentionSliceSize(attentionSliceSize);
        }
        return b.build();
    }

    @Override
    public String toString() {
        return model + (revision == null ? "" : "@" + revision) + (variant == null ? "" : " (" + variant + ")")
                + ", safety " + safety;
    }
}
