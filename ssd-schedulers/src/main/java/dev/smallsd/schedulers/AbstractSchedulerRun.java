package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Shared bookkeeping of a run: timesteps, step and begin index, img2img truncation, the run-owned manager for
 * history arrays and a per-call scope that keeps temporaries off the caller's manager.
 */
abstract class AbstractSchedulerRun implements SchedulerRun {

    protected final double[] timesteps;
    protected final boolean integerTimesteps;
    protected final int numInferenceSteps;
    private final int order;
    private final boolean supportsBeginIndex;

    /** diffusers' {@code _step_index}; -1 while unset. */
    protected int stepIndex = -1;
    /** diffusers' {@code _begin_index}; -1 while unset. */
    protected int beginIndex = -1;

    private NDManager historyManager;
    private boolean closed;

    AbstractSchedulerRun(
            double[] timesteps, boolean integerTimesteps, int numInferenceSteps, int order, boolean beginIndex) {
        this.timesteps = timesteps;
        this.integerTimesteps = integerTimesteps;
        this.numInferenceSteps = numInferenceSteps;
        this.order = order;
        this.supportsBeginIndex = beginIndex;
    }

    @Override
    public double[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public boolean integerTimesteps() {
        return integerTimesteps;
    }

    @Override
    public double[] sigmas() {
        return null;
    }

    /** 1.0: the ᾱ-based schedulers start from unit-variance noise; sigma-based runs override this. */
    @Override
    public double initNoiseSigma() {
        return 1.0;
    }

    /** The identity: only the sigma-based runs scale their input. */
    @Override
    public NDArray scaleModelInput(NDArray sample, double t) {
        return sample;
    }

    @Override
    public int order() {
        return order;
    }

    @Override
    public Img2ImgStart startForStrength(double strength) {
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in [0, 1], got " + strength);
        }
        int initTimestep = Math.min((int) (numInferenceSteps * strength), numInferenceSteps);
        int tStart = Math.max(numInferenceSteps - initTimestep, 0);
        int from = Math.min(tStart * order, timesteps.length);
        double[] rest = Arrays.copyOfRange(timesteps, from, timesteps.length);
        OptionalInt begin = OptionalInt.empty();
        if (supportsBeginIndex) {
            beginIndex = tStart * order;
            begin = OptionalInt.of(beginIndex);
        }
        return new Img2ImgStart(tStart, numInferenceSteps - tStart, rest, begin);
    }

    /** Positions of {@code t} in the schedule. */
    protected final List<Integer> indicesOf(double t, double[] schedule) {
        List<Integer> hits = new ArrayList<>(2);
        for (int i = 0; i < schedule.length; i++) {
            if (schedule[i] == t) {
                hits.add(i);
            }
        }
        return hits;
    }

    /**
     * diffusers' {@code index_for_timestep}: the second match when {@code t} occurs twice, else the first; a
     * timestep not in the schedule maps to the last index (DPM family) or is an error.
     */
    protected int indexForTimestep(double t, boolean lastWhenMissing) {
        List<Integer> hits = indicesOf(t, timesteps);
        if (hits.isEmpty()) {
            if (lastWhenMissing) {
                return timesteps.length - 1;
            }
            throw new IllegalArgumentException("timestep " + t + " is not in this run's schedule");
        }
        return hits.size() > 1 ? hits.get(1) : hits.get(0);
    }

    /** diffusers' {@code _init_step_index}. */
    protected void initStepIndex(double t, boolean lastWhenMissing) {
        stepIndex = beginIndex < 0 ? indexForTimestep(t, lastWhenMissing) : beginIndex;
    }

    /** Step indices for {@code add_noise} of the sigma-based schedulers (begin/step index aware). */
    protected int[] addNoiseIndices(double[] ts, boolean lastWhenMissing) {
        int[] idx = new int[ts.length];
        for (int i = 0; i < ts.length; i++) {
            if (beginIndex < 0) {
                idx[i] = indexForTimestep(ts[i], lastWhenMissing);
            } else if (stepIndex >= 0) {
                idx[i] = stepIndex;
            } else {
                idx[i] = beginIndex;
            }
        }
        return idx;
    }

    /** Checks that {@code t} is an integer timestep and returns it. */
    protected static int intTimestep(double t) {
        if (t != Math.rint(t)) {
            throw new IllegalArgumentException("this scheduler needs integer timesteps, got " + t);
        }
        return (int) t;
    }

    /** The run-owned manager for history arrays, created on first use. */
    protected final NDManager historyManager(NDArray like) {
        if (closed) {
            throw new IllegalStateException("run is closed");
        }
        if (historyManager == null) {
            historyManager = like.getManager().getEngine().newBaseManager(like.getDevice());
        }
        return historyManager;
    }

    /** Closes a history array that is no longer needed (null-safe). */
    protected static void release(NDArray a) {
        if (a != null) {
            a.close();
        }
    }

    /** A float32 column of per-batch-element coefficients, shaped [B, 1, 1, ...] like {@code like}. */
    protected static NDArray perBatch(float[] values, NDArray like) {
        long[] dims = new long[like.getShape().dimension()];
        Arrays.fill(dims, 1L);
        dims[0] = values.length;
        return like.getManager().create(values, new Shape(dims));
    }

    /** diffusers' ᾱ-based {@code add_noise}: √ᾱ_t·x0 + √(1 − ᾱ_t)·ε with integer timesteps. */
    protected final NDArray addNoiseWithAlphas(
            float[] alphasCumprod, NDArray original, NDArray noise, double[] ts) {
        checkBatch(original, ts);
        float[] a = new float[ts.length];
        float[] b = new float[ts.length];
        for (int i = 0; i < ts.length; i++) {
            float ac = alphasCumprod[intTimestep(ts[i])];
            a[i] = (float) Math.sqrt(ac);
            b[i] = (float) Math.sqrt(1.0f - ac);
        }
        try (Scope s = new Scope(original, noise)) {
            NDArray res = original.mul(perBatch(a, original)).add(noise.mul(perBatch(b, original)));
            return s.out(res);
        }
    }

    /** diffusers' sigma-based {@code add_noise} of the Euler family: x0 + ε·σ. */
    protected final NDArray addNoiseWithSigmas(float[] sigmas, NDArray original, NDArray noise, double[] ts) {
        checkBatch(original, ts);
        int[] idx = addNoiseIndices(ts, false);
        float[] sig = new float[ts.length];
        for (int i = 0; i < ts.length; i++) {
            sig[i] = sigmas[idx[i]];
        }
        try (Scope s = new Scope(original, noise)) {
            NDArray res = original.add(noise.mul(perBatch(sig, original)));
            return s.out(res);
        }
    }

    /** diffusers' {@code add_noise} of the DPM / UniPC / DEIS family: α_t·x0 + σ_t·ε from the run's sigmas. */
    protected final NDArray addNoiseVp(float[] sigmas, NDArray original, NDArray noise, double[] ts) {
        checkBatch(original, ts);
        int[] idx = addNoiseIndices(ts, true);
        float[] a = new float[ts.length];
        float[] b = new float[ts.length];
        for (int i = 0; i < ts.length; i++) {
            float sigma = sigmas[idx[i]];
            a[i] = VpMath.alpha(sigma);
            b[i] = sigma * a[i];
        }
        try (Scope s = new Scope(original, noise)) {
            NDArray res = original.mul(perBatch(a, original)).add(noise.mul(perBatch(b, original)));
            return s.out(res);
        }
    }

    private static void checkBatch(NDArray original, double[] ts) {
        if (original.getShape().dimension() == 0 || original.getShape().get(0) != ts.length) {
            throw new IllegalArgumentException(
                    "need one timestep per batch element: shape " + original.getShape() + ", " + ts.length
                            + " timesteps");
        }
    }

    @Override
    public Map<String, double[]> extraSchedules() {
        return Map.of();
    }

    @Override
    public void close() {
        closed = true;
        if (historyManager != null) {
            historyManager.close();
            historyManager = null;
        }
    }

    /**
     * A per-call scope: every array passed through {@link #in} is temporarily attached to a sub-manager so that the
     * intermediate results land there and are freed on {@link #close()}; {@link #out} hands a result to the caller's
     * manager and {@link #keep} to the run's history manager.
     */
    final class Scope implements AutoCloseable {
        private final NDManager target;
        private final NDManager tmp;
        private final Map<NDArray, Boolean> attached = new IdentityHashMap<>();

        /**
         * Opens a scope whose results go to {@code anchor}'s manager.
         *
         * @param anchor the array whose manager receives {@link #out} results (usually the sample); it is an
         *     input too
         * @param inputs the other arrays the call computes with (nulls are skipped); see {@link #in}
         */
        Scope(NDArray anchor, NDArray... inputs) {
            this.target = anchor.getManager();
            this.tmp = target.newSubManager();
            in(anchor);
            for (NDArray a : inputs) {
                in(a);
            }
        }

        NDArray in(NDArray a) {
            if (a != null && attached.put(a, Boolean.TRUE) == null) {
                a.tempAttach(tmp);
            }
            return a;
        }

        /** The scratch manager; arrays created in it are freed when the call returns. */
        NDManager scratch() {
            return tmp;
        }

        /** Draws noise shaped like {@code like} into the scratch manager. */
        NDArray noise(NoiseSource source, NDArray like) {
            NDArray z = source.next(like.getShape(), tmp);
            if (z.getManager() != tmp) {
                in(z);
            }
            return z;
        }

        NDArray out(NDArray a) {
            a.attach(target);
            return a;
        }

        NDArray keep(NDArray a) {
            a.attach(historyManager(a));
            // a caller's NDScope (thread-wide) must not close history that outlives this call
            NDScope.unregister(a);
            // keep it usable within this call without allocating temporaries in the history manager
            attached.remove(a);
            return in(a);
        }

        /** Keeps a copy (for arrays the caller owns, such as the sample). */
        NDArray keepCopy(NDArray a) {
            return keep(a.duplicate());
        }

        @Override
        public void close() {
            tmp.close();
        }
    }
}
