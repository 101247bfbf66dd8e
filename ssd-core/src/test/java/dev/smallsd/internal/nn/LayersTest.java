package dev.smallsd.internal.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.internal.io.SafeTensorsFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayersTest {

    @Test
    void groupNormMatchesTheDefinition(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gn.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray gamma = m.arange(1f, 9f).div(4);
            NDArray beta = m.arange(0f, 8f).sub(3);
            SafeTensors.write(file, Map.of("weight", gamma, "bias", beta), Map.of());
            try (SafeTensorsFile f = SafeTensors.open(file)) {
                Weights w = Weights.fromFile(f, m, s -> s, s -> false);
                GroupNorm gn = new GroupNorm(w, 4, 8, 1e-5);
                w.finish();
                NDArray x = m.randomNormal(new Shape(2, 8, 3, 5)).mul(3).add(1);
                NDArray y = gn.forward(x);
                NDArray g = x.reshape(2, 4, 2 * 3 * 5);
                NDArray mean = g.mean(new int[] {2}, true);
                NDArray var = g.sub(mean).pow(2).mean(new int[] {2}, true);
                NDArray ref = g.sub(mean).div(var.add(1e-5f).sqrt()).reshape(2, 8, 3, 5)
                        .mul(gamma.reshape(1, 8, 1, 1)).add(beta.reshape(1, 8, 1, 1));
                assertThat(y.sub(ref).abs().max().getFloat()).isLessThan(2e-5f);
            }
        }
    }

    @Test
    void attentionSlicesGiveTheSameResultAsTheWholeMatrix() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(2, 10, 8));
            NDArray k = m.randomNormal(new Shape(2, 6, 8));
            NDArray v = m.randomNormal(new Shape(2, 6, 8));
            NDArray whole = ScaledDotProductAttention.multiHead(q, k, v, 2, null, 0);
            NDArray sliced = ScaledDotProductAttention.multiHead(q, k, v, 2, null, 3);
            assertThat(whole.sub(sliced).abs().max().getFloat()).isLessThan(1e-6f);
            // naive single-head reference on head 0
            NDArray q0 = q.get(":, :, 0:4");
            NDArray k0 = k.get(":, :, 0:4");
            NDArray v0 = v.get(":, :, 0:4");
            NDArray ref = q0.matMul(k0.transpose(0, 2, 1)).div(2f).softmax(-1).matMul(v0);
            assertThat(whole.get(":, :, 0:4").sub(ref).abs().max().getFloat()).isLessThan(1e-5f);
        }
    }

    @Test
    void scopesCloseIntermediatesButKeepTheResult() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.ones(new Shape(4));
            NDArray[] inner = new NDArray[1];
            NDArray out;
            try (NDScope outer = new NDScope()) {
                outer.suppressNotUsedWarning();
                out = Scopes.run(() -> {
                    inner[0] = x.add(1);
                    return inner[0].mul(2);
                });
                assertThat(inner[0].isReleased()).isTrue();
                assertThat(out.isReleased()).isFalse();
            }
            assertThat(out.isReleased()).isTrue();
        }
    }

    @Test
    void weightsReportMissingMismatchedAndUnexpectedKeysAtOnce(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("w.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("a.weight", m.ones(new Shape(3, 2)));
            t.put("b.weight", m.ones(new Shape(4)));
            t.put("extra", m.ones(new Shape(1)));
            SafeTensors.write(file, t, Map.of());
            try (SafeTensorsFile f = SafeTensors.open(file)) {
                Weights w = Weights.fromFile(f, m, s -> s, s -> false);
                new Linear(w.child("a"), 2, 3, false);
                w.child("b").get("weight", 5);
                w.child("c").get("weight", 1);
                assertThatThrownBy(w::finish).isInstanceOf(ModelLoadException.class)
                        .hasMessageContaining("w.safetensors")
                        .hasMessageContaining("missing keys [c.weight]")
                        .hasMessageContaining("b.weight is [4], expected [5]")
                        .hasMessageContaining("unexpected keys [extra]");
            }
        }
    }

    @Test
    void randomWeightsAreDeterministicAndCounted() {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights a = Weights.random(1, m);
            Weights b = Weights.random(1, m);
            NDArray x = a.child("l").get("weight", 4, 3);
            NDArray y = b.child("l").get("weight", 4, 3);
            assertThat(x.toFloatArray()).containsExactly(y.toFloatArray());
            assertThat(a.parameterCount()).isEqualTo(12);
        }
    }
}
