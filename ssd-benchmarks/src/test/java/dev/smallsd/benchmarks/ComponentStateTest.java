package dev.smallsd.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.io.config.ClipTextConfig;
import dev.smallsd.internal.nn.Linear;
import dev.smallsd.internal.nn.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ComponentStateTest {
    /** A stand-in component: the first MLP of the full-size text encoder, built from the bundled config. */
    static final class Mlp {
        final Linear fc1;
        final Linear fc2;

        Mlp(Weights w, ClipTextConfig c) {
            fc1 = new Linear(w.child("fc1"), c.hiddenSize(), c.intermediateSize(), true);
            fc2 = new Linear(w.child("fc2"), c.intermediateSize(), c.hiddenSize(), true);
        }
    }

    static final class MlpState extends ComponentState<Mlp> {
        NDArray input;

        @Override
        protected Mlp build(ModelDirectory architecture, Weights weights) {
            return new Mlp(weights.child("text_model.encoder.layers.0.mlp"), architecture.textEncoderConfig());
        }

        @Override
        protected void prepareInputs(Mlp built, NDManager manager) {
            input = manager.ones(new Shape(2, 77, built.fc1.inFeatures()));
        }
    }

    @Test
    void buildsFromTheBundledConfigWithDeterministicWeightsAndClosesEverything() {
        ClipTextConfig c = ModelDirectory.builtinArchitecture().textEncoderConfig();
        MlpState s = new MlpState();
        s.setUpComponent();
        float[] first;
        NDArray weight;
        try {
            long expected = 2L * c.hiddenSize() * c.intermediateSize() + c.hiddenSize() + c.intermediateSize();
            assertThat(s.parameterCount()).isEqualTo(expected);
            weight = s.component().fc1.weight();
            first = weight.toFloatArray();
            List<NDArray> seen = new ArrayList<>();
            long n = ComponentState.measure(() -> {
                NDArray out = s.component().fc2.forward(s.component().fc1.forward(s.input));
                seen.add(out);
                return out;
            });
            assertThat(n).isEqualTo(2L * 77 * c.hiddenSize());
            assertThat(seen.get(0).isReleased()).isTrue();
            assertThat(s.input.isReleased()).isFalse();
        } finally {
            s.tearDownComponent();
        }
        assertThat(weight.isReleased()).isTrue();
        assertThat(s.input.isReleased()).isTrue();
        assertThatThrownBy(s::component).isInstanceOf(IllegalStateException.class);

        // a second trial sees the same parameters
        s.setUpComponent();
        try {
            // Arrays.equals: AssertJ's containsExactly diffs element lists quadratically
            assertThat(Arrays.equals(s.component().fc1.weight().toFloatArray(), first)).isTrue();
        } finally {
            s.tearDownComponent();
        }
    }

    @Test
    void rejectsABadThreadCount() {
        String old = System.getProperty(BenchmarkEnvironment.THREADS_PROPERTY);
        try {
            System.setProperty(BenchmarkEnvironment.THREADS_PROPERTY, "two");
            assertThatThrownBy(BenchmarkEnvironment::requestedThreads)
                    .hasMessageContaining(BenchmarkEnvironment.THREADS_PROPERTY).hasMessageContaining("two");
            System.setProperty(BenchmarkEnvironment.THREADS_PROPERTY, "0");
            assertThatThrownBy(BenchmarkEnvironment::requestedThreads).hasMessageContaining("at least 1");
            System.setProperty(BenchmarkEnvironment.THREADS_PROPERTY, " 2 ");
            assertThat(BenchmarkEnvironment.requestedThreads()).isEqualTo(2);
        } finally {
            if (old == null) {
                System.clearProperty(BenchmarkEnvironment.THREADS_PROPERTY);
            } else {
                System.setProperty(BenchmarkEnvironment.THREADS_PROPERTY, old);
            }
        }
    }
}
