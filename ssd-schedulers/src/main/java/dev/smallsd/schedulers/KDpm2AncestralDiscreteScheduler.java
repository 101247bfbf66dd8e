package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * Port of diffusers' {@code KDPM2AncestralDiscreteScheduler}: DPM-Solver-2 with ancestral sampling (noise added
 * on the second call of each pair); two model calls per step.
 */
public final class KDpm2AncestralDiscreteScheduler extends BaseScheduler {

    static final SchedulerClass CLASS = new SchedulerClass("KDPM2AncestralDiscreteScheduler",
            KDpm2AncestralDiscreteScheduler::defaults, KDpm2AncestralDiscreteScheduler::new);

    static Map<String, Object> defaults() {
        return ConfigDefaults.of(0.00085, 0.012, "linear",
                "use_karras_sigmas", false, "prediction_type", "epsilon", "timestep_spacing", "linspace",
                "steps_offset", 0);
    }

    KDpm2AncestralDiscreteScheduler(SchedulerConfig config) {
        super(config);
    }

    @Override
    protected SchedulerRun createRun(int numInferenceSteps) {
        int n = numInferenceSteps;
        SigmaSchedule schedule = sigmaSchedule(n, true);
        double[] ts = schedule.timesteps();
        float[] base = schedule.withZero(); // n + 1
        int m = base.length;
        float[] up = new float[m];
        float[] down = new float[m];
        float[] interpol = new float[m];
        for (int i = 0; i < m; i++) {
            float s = base[i];
            float next = i + 1 < m ? base[i + 1] : 0f;
            up[i] = (float) Math.sqrt(next * next * (s * s - next * next) / (s * s));
            down[i] = (float) Math.sqrt(next * next - up[i] * up[i]);
        }
        down[m - 1] = 0f;
        for (int i = 0; i < m; i++) {
            interpol[i] = (float) Math.exp(NoiseSchedules.lerpHalf(
                    (float) Math.log(base[i]), (float) Math.log(down[i])));
        }
        interpol[m - 1] = 0f;
        if (m >= 2) {
            interpol[m - 2] = 0f;
        }
        double[] all = new double[2 * n - 1];
        all[0] = ts[0];
        for (int i = 1; i < n; i++) {
            all[2 * i - 1] = NoiseSchedules.sigmaToTF32(interpol[i - 1], logSigmas);
            all[2 * i] = ts[i];
        }
        return new Run(all, KDpm2DiscreteScheduler.interleave(base), KDpm2DiscreteScheduler.interleave(interpol),
                KDpm2DiscreteScheduler.interleave(up), KDpm2DiscreteScheduler.interleave(down), n);
    }

    /** One KDPM2-ancestral generation. */
    final class Run extends SigmaSchedulerRun {
        private final float[] sigmasInterpol;
        private final float[] sigmasUp;
        private final float[] sigmasDown;
        private NDArray firstSample;

        Run(double[] ts, float[] sigmas, float[] interpol, float[] up, float[] down, int n) {
            super(ts, sigmas, n, 2, config.getString("timestep_spacing"));
            this.sigmasInterpol = interpol;
            this.sigmasUp = up;
            this.sigmasDown = down;
        }

        @Override
        public Map<String, double[]> extraSchedules() {
            return Map.of(
                    "sigmas_interpol", NoiseSchedules.widen(sigmasInterpol),
                    "sigmas_up", NoiseSchedules.widen(sigmasUp),
                    "sigmas_down", NoiseSchedules.widen(sigmasDown));
        }

        @Override
        public NDArray scaleModelInput(NDArray sample, double t) {
            ensureStepIndex(t);
            float sigma = firstSample == null ? sigmas[stepIndex] : sigmasInterpol[stepIndex - 1];
            return scaleBySigma(sample, sigma);
        }

        @Override
        public StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions o, NoiseSource noise) {
            ensureStepIndex(t);
            boolean first = firstSample == null;
            float sigma;
            float sigmaInterpol;
            float sigmaUp;
            float sigmaDown;
            if (first) {
                sigma = sigmas[stepIndex];
                sigmaInterpol = sigmasInterpol[stepIndex];
                sigmaUp = sigmasUp[stepIndex];
                sigmaDown = stepIndex > 0 ? sigmasDown[stepIndex - 1] : sigmasDown[sigmasDown.length - 1];
            } else {
                sigma = sigmas[stepIndex - 1];
                sigmaInterpol = sigmasInterpol[stepIndex - 1];
                sigmaUp = sigmasUp[stepIndex - 1];
                sigmaDown = sigmasDown[stepIndex - 1];
            }
            float sigmaHat = sigma;
            NDArray old = null;
            try (Scope s = new Scope(sample, modelOutput, firstSample)) {
                NDArray z = s.noise(noise, modelOutput);
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
                    float dt = sigmaDown - sigmaHat;
                    prev = firstSample.add(derivative.mul(dt));
                    prev = prev.add(z.mul(sigmaUp));
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
