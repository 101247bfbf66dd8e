package dev.smallsd.internal.lora;

import ai.djl.ndarray.NDArray;
import dev.smallsd.LoraUse;
import dev.smallsd.internal.nn.LowRankAdapters;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The LoRAs registered on an instance for per-request use: turns a request's {@link LoraUse}s into the adapters the
 * layers add on that request's thread ({@link LowRankAdapters}). Immutable and thread-safe.
 */
public final class RegisteredLoras {
    /** No LoRA registered. */
    public static final RegisteredLoras NONE = new RegisteredLoras(Map.of());

    private final Map<String, List<Term>> byName;

    /**
     * One pair of a registered LoRA.
     *
     * @param baseWeight the layer's weight array (identity key)
     * @param down shaped like the layer ({@code [r, in]} or {@code [r, in, 1, 1]})
     * @param up shaped like the layer ({@code [out, r]} or {@code [out, r, 1, 1]})
     * @param alphaOverRank {@code alpha / rank}
     */
    record Term(NDArray baseWeight, NDArray down, NDArray up, double alphaOverRank) {}

    RegisteredLoras(Map<String, List<Term>> byName) {
        this.byName = Map.copyOf(byName);
    }

    /** @return the registered names */
    public Set<String> names() {
        return byName.keySet();
    }

    /**
     * @param uses a request's LoRAs
     * @return base weight (by identity) → adapters, for {@link LowRankAdapters#with}
     * @throws IllegalArgumentException ("lora: ...") naming a LoRA that is not registered
     */
    public Map<NDArray, List<LowRankAdapters.Adapter>> adapters(List<LoraUse> uses) {
        Map<NDArray, List<LowRankAdapters.Adapter>> out = new IdentityHashMap<>();
        for (LoraUse u : uses) {
            List<Term> terms = byName.get(u.name());
            if (terms == null) {
                throw new IllegalArgumentException("lora: no LoRA is registered under '" + u.name()
                        + "' (registered: " + byName.keySet() + "; use SmallStableDiffusion.Builder.registerLora)");
            }
            for (Term t : terms) {
                out.computeIfAbsent(t.baseWeight(), k -> new ArrayList<>())
                        .add(new LowRankAdapters.Adapter(t.down(), t.up(), (float) (u.scale() * t.alphaOverRank())));
            }
        }
        return out;
    }
}
