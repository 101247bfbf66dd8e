package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * Port of diffusers' {@code KDPM2DiscreteScheduler}: DPM-Solver-2 (Karras et al. 2022), a midpoint step through the
 * geometric mean of neighbouring sigmas; two model calls per step.
 */
public final class KDpm2DiscreteScheduler extends BaseScheduler {

    static final SchedulerClass CLASS = new SchedulerClass("KDPM2DiscreteScheduler",
            KDpm2DiscreteScheduler::defaults, KDpm2DiscreteScheduler::new);

    static Map<String, Object> defaults() {
        return ConfigDefaults.of(0.00085, 0.012, "linear",
                "use_karras_sigmas", false, "prediction_type", "epsilon", "timestep_spacing", "linspace",
                "steps_offset", 0);
    }

    KDpm2DiscreteScheduler(SchedulerConfig config) {
        super(config);
    }

    /** cat(x[:1], x[1:].repeat_interleave(2), x[-1:]). */
    static float[] interleave(float[] x) {
        int m = x.length;
        float[] out = new float[2 * m];
        out[0] = x[0];
        for (int i = 1; i < m; i++) {
            out[2 * i - 1] = x[i];
            out[2 * i] = x[i];
        }
        out[2 * m - 1] = x[m - 1];
        return out;
    }

    @Override
    protected SchedulerRun createRun(int numInferenceSteps) {
        int n = numInferenceSteps;
        SigmaSchedule schedule = sigmaSchedule(n, true);
        double[] ts = schedule.timesteps();
        float[] base = schedule.withZero(); // n + 1
        float[] interpol = new float[base.length];
        for (int i = 0; i < base.length; i++) {
            float rolled = base[(i - 1 + base.length) % base.length];
            interpol[i] = (float) Math.exp(NoiseSchedules.lerpHalf(
                    (float) Math.log(base[i]), (float) Math.log(rolled)));
        }
        double[] all = new double[2 * n - 1];
        all[0] = ts[0];
        for (int i = 1; i < n; i++) {
            all[2 * i - 1] = NoiseSchedules.sigmaToTF32(interpol[i], logSigmas);
            all[2 * i] = ts[i];
        }
        return new Run(all, interleave(base), interleave(interpol), n);
    }

    /** One KDPM2 generation. */
    final class Run extends SigmaSchedulerRun {
        private final float[] sigmasInterpol;
        private NDArray firstSample;

        Run(double[] ts, float[] sigmas, float[] sigmasInterpol, int n) {
            super(ts, sigmas, n, 2, config.getString("timestep_spacing"));
            this.sigmasInterpol = sigmasInterpol;
        }

        @Override
        public Map<String, double[]> extraSchedules() {
            return Map.of("sigmas_interpol", NoiseSchedules.widen(sigmasInterpol));
        }

        @Override
        public NDArray scaleModelInput(NDArray sample, double t) {
            ensureStepIndex(t);
            float sigma = firstSample == null ? sigmas[stepIndex] : sigmasInterpol[stepIndex];
            return scaleBySigma(sample, sigma);
        }

        @Override
        public StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions o, NoiseSource noise) {
            ensureStepIndex(t);
            boolean first = firstSample == null;
            float sigma;
            float sigmaInterpol;
            float sigmaNext;
            if (first) {
                sigma = sigmas[stepIndex];
                sigmaInterpol = sigmasInterpol[stepIndex + 1];
                sigmaNext = sigmas[stepIndex + 1];
            } else {
                sigma = sigmas[stepIndex - 1];
                sigmaInterpol = sigmasInterpol[stepIndex];
                sigmaNext = sigmas[stepIndex];
            }
            float sigmaHat = sigma;
            NDArray old = null;
            try (Scope s = new Scope(sample, modelOutput, firstSample)) {
                float sigmaInput = first ? sigmaHat : sigmaInterpol;
                NDArray predOriginal = sample.sub(modelOutput.mul(sigmaInput));
                NDArray prev;
                if (first) {
                    NDArray derivative = sample.sub(predOriginal).div(sigmaHat);
                    float dt = sigmaInterpol - sigmaHat;
                    firstSample = s.keepCopy(sample);
                    prev = sample.add(derivative.mul(dt));
                } else {
                    NDArray derivative = sample.sub(predOriginal).div(sigmaInterpol);
                    float dt = sigmaNext - sigmaHat;
                    prev = firstSample.add(derivative.mul(dt));
                    old = firstSample;
                    firstSample = null;
                }
                stepIndex++;
                return new StepResult(s.out(prev), null);
            } finally {
                release(old);
            }
        }

        @Override
        public void close() {
            firstSample = null;
            super.close();
        }
    }
}
