package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.internal.text.ClipTextModel;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CLIP text encoder on batch 2 × 77 tokens (the prompt and the unconditional prompt of one guided request): start
 * token, 20 random word ids, end token, padding with the end token, as the SD v1 tokenizer pads.
 */
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class TextEncoderBenchmark extends SingleShotBenchmark {
    static final long BOS = 49406;
    static final long EOS = 49407;

    /** The text encoder and one batch of token ids. */
    @State(Scope.Benchmark)
    public static class TextState extends ComponentState<ClipTextModel> {
        NDArray ids;

        @Override
        protected ClipTextModel build(ModelDirectory architecture, Weights weights) {
            return new ClipTextModel(architecture.textEncoderConfig(), weights);
        }

        @Override
        protected void prepareInputs(ClipTextModel model, NDManager manager) {
            int len = model.maxPositionEmbeddings();
            long[][] v = new long[2][len];
            SplittableRandom rnd = new SplittableRandom(4);
            for (long[] row : v) {
                Arrays.fill(row, EOS);
                row[0] = BOS;
            }
            for (int i = 1; i <= 20; i++) {
                v[0][i] = rnd.nextLong(BOS);
            }
            v[0][21] = EOS;
            v[1][1] = EOS;
            ids = manager.create(v);
        }
    }

    /**
     * @param s the state
     * @return the size of the hidden states
     */
    @Benchmark
    public long encode(TextState s) {
        return ComponentState.measure(() -> s.component().encode(s.ids));
    }
}
