package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * Port of diffusers' {@code HeunDiscreteScheduler}: Heun's second-order method (Karras et al. 2022, Algorithm 1);
 * two model calls per step over doubled timesteps, the last call a plain Euler step.
 */
public final class HeunDiscreteScheduler extends BaseScheduler {

    static final SchedulerClass CLASS = new SchedulerClass("HeunDiscreteScheduler",
            HeunDiscreteScheduler::defaults, HeunDiscreteScheduler::new);

    static Map<String, Object> defaults() {
        return ConfigDefaults.of(0.00085, 0.012, "linear",
                "prediction_type", "epsilon", "use_karras_sigmas", false, "clip_sample", false,
                "clip_sample_range", 1.0, "timestep_spacing", "linspace", "steps_offset", 0);
    }

    HeunDiscreteScheduler(SchedulerConfig config) {
        super(config);
    }

    @Override
    protected SchedulerRun createRun(int numInferenceSteps) {
        int n = numInferenceSteps;
        SigmaSchedule schedule = sigmaSchedule(n, false);
        double[] ts = schedule.timesteps();
        float[] base = schedule.withZero(); // n + 1
        // cat(sigmas[:1], sigmas[1:-1].repeat_interleave(2), sigmas[-1:])
        float[] sigmas = new float[2 * n];
        sigmas[0] = base[0];
        for (int i = 1; i < n; i++) {
            sigmas[2 * i - 1] = base[i];
            sigmas[2 * i] = base[i];
        }
        sigmas[2 * n - 1] = base[n];
        double[] doubled = new double[2 * n - 1];
        doubled[0] = ts[0];
        for (int i = 1; i < n; i++) {
            doubled[2 * i - 1] = ts[i];
            doubled[2 * i] = ts[i];
        }
        return new Run(doubled, sigmas, n);
    }

    /** One Heun generation. */
    final class Run extends SigmaSchedulerRun {
        private NDArray prevDerivative;
        private NDArray firstSample;
        private float dt = Float.NaN;

        Run(double[] ts, float[] sigmas, int n) {
            super(ts, sigmas, n, 2, config.getString("timestep_spacing"));
        }

        private boolean firstOrder() {
            return Float.isNaN(dt);
        }

        @Override
        public StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions o, NoiseSource noise) {
            ensureStepIndex(t);
            boolean first = firstOrder();
            float sigma = first ? sigmas[stepIndex] : sigmas[stepIndex - 1];
            float sigmaNext = first ? sigmas[stepIndex + 1] : sigmas[stepIndex];
            float sigmaHat = sigma;
            NDArray oldDerivative = null;
            NDArray oldSample = null;
            try (Scope s = new Scope(sample, modelOutput, prevDerivative, firstSample)) {
                float sigmaInput = first ? sigmaHat : sigmaNext;
                NDArray predOriginal = sample.sub(modelOutput.mul(sigmaInput));
                if (config.getBoolean("clip_sample")) {
                    float r = (float) config.getDouble("clip_sample_range");
                    predOriginal = predOriginal.clip(-r, r);
                }
                NDArray prev;
                if (first) {
                    NDArray derivative = sample.sub(predOriginal).div(sigmaHat);
                    float stepDt = sigmaNext - sigmaHat;
                    prev = sample.add(derivative.mul(stepDt));
                    prevDerivative = s.keep(derivative);
                    firstSample = s.keepCopy(sample);
                    dt = stepDt;
                } else {
                    NDArray derivative = sample.sub(predOriginal).div(sigmaNext);
                    derivative = prevDerivative.add(derivative).div(2f);
                    prev = firstSample.add(derivative.mul(dt));
                    oldDerivative = prevDerivative;
                    oldSample = firstSample;
                    prevDerivative = null;
                    firstSample = null;
                    dt = Float.NaN;
                }
                stepIndex++;
                return new StepResult(s.out(prev), null);
            } finally {
                release(oldDerivative);
                release(oldSample);
            }
        }

        @Override
        public void close() {
            prevDerivative = null;
            firstSample = null;
            super.close();
        }
    }
}
