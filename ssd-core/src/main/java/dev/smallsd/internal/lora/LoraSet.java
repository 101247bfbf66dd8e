package dev.smallsd.internal.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.io.CheckpointKeys;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.TensorInfo;
import dev.smallsd.internal.lora.LoraFile.Component;
import dev.smallsd.internal.lora.LoraFile.Pair;
import dev.smallsd.internal.nn.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The LoRAs of one model being built: those fused into the weights ({@code builder().lora(path, scale)}) and those
 * registered for per-request use ({@code builder().registerLora(name, path)}).
 *
 * <p>Every file is read and checked by {@link #load} before any weight is loaded. While a component loads,
 * {@link #wrap} resolves each pair's module against the component's own parameter names and shapes (a module that
 * does not exist, or does not fit, fails the build with the LoRA file and its first offending keys), then hands out
 * {@code W + Σ scale · (alpha / rank) · up · down} for fused targets and remembers the base arrays of registered
 * targets, which the per-request path finds by identity ({@link RegisteredLoras}).
 */
public final class LoraSet {
    private final List<LoraFile> fusedFiles = new ArrayList<>();
    private final List<Double> fusedScales = new ArrayList<>();
    private final Map<String, LoraFile> registeredFiles = new LinkedHashMap<>();
    private final Map<String, List<Target>> registeredTargets = new LinkedHashMap<>();
    private final Map<String, NDArray> baseArrays = new HashMap<>();
    private final NDManager manager;

    /** A resolved pair: the parameter key it changes (qualified by component) and the pair. */
    private record Target(String key, long[] weightShape, Pair pair) {}

    private LoraSet(NDManager manager) {
        this.manager = manager;
    }

    /**
     * Reads and checks every LoRA file.
     *
     * @param fused LoRAs to fuse at build, in order
     * @param registered LoRAs for per-request use, by name
     * @param manager owner of the LoRA arrays (the model's weights manager)
     * @return the set
     * @throws ModelLoadException naming the first unusable file and its offending keys
     */
    public static LoraSet load(List<LoraFile.Use> fused, Map<String, Path> registered, NDManager manager) {
        LoraSet s = new LoraSet(manager);
        for (LoraFile.Use u : fused) {
            s.fusedFiles.add(LoraFile.read(u.path(), manager));
            s.fusedScales.add(u.scale());
        }
        for (Map.Entry<String, Path> e : registered.entrySet()) {
            s.registeredFiles.put(e.getKey(), LoraFile.read(e.getValue(), manager));
            s.registeredTargets.put(e.getKey(), new ArrayList<>());
        }
        return s;
    }

    /** @return whether there is nothing to apply */
    public boolean isEmpty() {
        return fusedFiles.isEmpty() && registeredFiles.isEmpty();
    }

    /**
     * Resolves every pair of {@code component} against {@code base} and returns the file to load the component from.
     *
     * @param component which model {@code base} holds
     * @param base the component's weight file (closed with the returned file)
     * @return {@code base} itself when there is nothing to apply, else a view that fuses and records
     * @throws ModelLoadException naming the LoRA file and its first pairs whose module is missing or of another shape
     */
    public TensorFile wrap(Component component, TensorFile base) {
        if (isEmpty()) {
            return base;
        }
        Map<String, String> index;
        try {
            index = CheckpointKeys.canonicalIndex(base);
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
        Map<String, String> flatToModule = new HashMap<>();
        for (String key : index.keySet()) {
            if (key.endsWith(".weight")) {
                String module = key.substring(0, key.length() - ".weight".length());
                flatToModule.put(module.replace('.', '_'), module);
            }
        }
        Map<String, List<Fuse>> fuse = new HashMap<>();
        try {
            for (int i = 0; i < fusedFiles.size(); i++) {
                double scale = fusedScales.get(i);
                for (Target t : resolve(fusedFiles.get(i), component, base, index, flatToModule)) {
                    fuse.computeIfAbsent(t.key(), k -> new ArrayList<>()).add(new Fuse(t.pair(), scale));
                }
            }
            for (Map.Entry<String, LoraFile> e : registeredFiles.entrySet()) {
                for (Target t : resolve(e.getValue(), component, base, index, flatToModule)) {
                    registeredTargets.get(e.getKey()).add(new Target(component + ":" + t.key(), t.weightShape(),
                            t.pair()));
                }
            }
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
        return new Fusing(base, component, fuse);
    }

    private List<Target> resolve(LoraFile file, Component component, TensorFile base, Map<String, String> index,
            Map<String, String> flatToModule) {
        List<Target> out = new ArrayList<>();
        List<String> offending = new ArrayList<>();
        for (Pair p : file.pairs(component)) {
            String module = p.flattened() ? flatToModule.get(p.module()) : p.module();
            String stored = module == null ? null : index.get(module + ".weight");
            if (stored == null) {
                offending.add(p.keys().get(0) + " (no module '" + p.module() + "' in " + base.path().getFileName()
                        + ")");
                continue;
            }
            TensorInfo info = base.info(stored);
            long[] w = info.shape();
            long[] d = p.down().getShape().getShape();
            long[] u = p.up().getShape().getShape();
            boolean conv1 = w.length == 4 && w[2] == 1 && w[3] == 1;
            if (!(w.length == 2 || conv1) || d[1] != w[1] || u[0] != w[0]) {
                offending.add(p.keys().get(0) + " (down " + Arrays.toString(d) + ", up " + Arrays.toString(u)
                        + " do not fit '" + module + ".weight' " + Arrays.toString(w) + ")");
                continue;
            }
            out.add(new Target(module + ".weight", w, p));
        }
        if (!offending.isEmpty()) {
            throw new ModelLoadException(file.path(), "LoRA does not fit the " + component.name().toLowerCase()
                    + " (" + base.path() + "): " + offending.size() + " pairs, first " + LoraFile.first(offending));
        }
        return out;
    }

    /**
     * Checks that every registered target's base array was loaded.
     *
     * @throws IllegalStateException when one was not (a component was never wrapped)
     */
    public void finish() {
        for (List<Target> targets : registeredTargets.values()) {
            for (Target t : targets) {
                if (!baseArrays.containsKey(t.key())) {
                    throw new IllegalStateException("LoRA target " + t.key() + " was never loaded");
                }
            }
        }
    }

    /**
     * @return the registered LoRAs, their pairs shaped like the layers they extend (call after every component was
     *     loaded through {@link #wrap} and {@link #finish})
     */
    public RegisteredLoras registered() {
        Map<String, List<RegisteredLoras.Term>> byName = new LinkedHashMap<>();
        for (Map.Entry<String, List<Target>> e : registeredTargets.entrySet()) {
            List<RegisteredLoras.Term> terms = new ArrayList<>();
            for (Target t : e.getValue()) {
                Pair p = t.pair();
                long[] w = t.weightShape();
                long r = p.rank();
                NDArray down = Weights.keep(w.length == 4 ? p.down().reshape(r, w[1], 1, 1)
                        : p.down().reshape(r, w[1]));
                NDArray up = Weights.keep(w.length == 4 ? p.up().reshape(w[0], r, 1, 1) : p.up().reshape(w[0], r));
                terms.add(new RegisteredLoras.Term(baseArrays.get(t.key()), down, up, p.alpha() / r));
            }
            byName.put(e.getKey(), terms);
        }
        return new RegisteredLoras(byName);
    }

    private record Fuse(Pair pair, double scale) {}

    /** The component's file as the model sees it: fused weights, base arrays of registered targets recorded. */
    private final class Fusing implements TensorFile {
        private final TensorFile base;
        private final Component component;
        private final Map<String, List<Fuse>> fuse;

        Fusing(TensorFile base, Component component, Map<String, List<Fuse>> fuse) {
            this.base = base;
            this.component = component;
            this.fuse = fuse;
        }

        @Override
        public Path path() {
            return base.path();
        }

        @Override
        public Set<String> names() {
            return base.names();
        }

        @Override
        public TensorInfo info(String name) {
            return base.info(name);
        }

        @Override
        public NDArray load(String name, NDManager m) {
            NDArray a = base.load(name, m);
            String key = CheckpointKeys.canonicalName(name);
            List<Fuse> fs = fuse.get(key);
            boolean registered = isRegistered(component + ":" + key);
            if (fs == null && !registered) {
                return a;
            }
            if (a.getDataType() != DataType.FLOAT32) { // the model keeps this very array: make it float32 here
                NDArray f = a.toType(DataType.FLOAT32, false);
                a.close();
                a = f;
            }
            if (fs != null) {
                for (Fuse f : fs) {
                    Pair p = f.pair();
                    long r = p.rank();
                    Shape shape = a.getShape();
                    try (NDArray up = p.up().reshape(shape.get(0), r);
                            NDArray down = p.down().reshape(r, shape.get(1));
                            NDArray product = up.matMul(down);
                            NDArray delta = product.mul((float) (f.scale() * p.alpha() / r));
                            NDArray shaped = delta.reshape(shape)) {
                        a.addi(shaped);
                    }
                }
            }
            if (registered) {
                baseArrays.put(component + ":" + key, a);
            }
            return a;
        }

        @Override
        public void close() {
            base.close();
        }
    }

    private boolean isRegistered(String key) {
        for (List<Target> targets : registeredTargets.values()) {
            for (Target t : targets) {
                if (t.key().equals(key)) {
                    return true;
                }
            }
        }
        return false;
    }
}
