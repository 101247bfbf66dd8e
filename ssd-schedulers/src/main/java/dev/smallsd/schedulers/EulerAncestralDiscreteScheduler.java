package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/** Port of diffusers' {@code EulerAncestralDiscreteScheduler}: ancestral Euler steps (fresh noise every step). */
public final class EulerAncestralDiscreteScheduler extends BaseScheduler {

    static final SchedulerClass CLASS = new SchedulerClass("EulerAncestralDiscreteScheduler",
            EulerAncestralDiscreteScheduler::defaults, EulerAncestralDiscreteScheduler::new);

    static Map<String, Object> defaults() {
        return ConfigDefaults.of(0.0001, 0.02, "linear",
                "prediction_type", "epsilon", "timestep_spacing", "linspace", "steps_offset", 0,
                "rescale_betas_zero_snr", false);
    }

    EulerAncestralDiscreteScheduler(SchedulerConfig config) {
        super(config);
    }

    @Override
    protected SchedulerRun createRun(int numInferenceSteps) {
        double[] ts = NoiseSchedules.sigmaFamilyTimesteps(config, numInferenceSteps, numTrain);
        double[] sig = NoiseSchedules.interp(ts, trainSigmas);
        return new Run(ts, SigmaSchedulerRun.withZeroF32(sig), numInferenceSteps);
    }

    /** One Euler-ancestral generation. */
    final class Run extends SigmaSchedulerRun {

        Run(double[] ts, float[] sigmas, int n) {
            super(ts, sigmas, n, 1, config.getString("timestep_spacing"));
        }

        @Override
        public StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions o, NoiseSource noise) {
            ensureStepIndex(t);
            float sigma = sigmas[stepIndex];
            float from = sigma;
            float to = sigmas[stepIndex + 1];
            float up = (float) Math.sqrt(to * to * (from * from - to * to) / (from * from));
            float down = (float) Math.sqrt(to * to - up * up);
            try (Scope s = new Scope(sample, modelOutput)) {
                NDArray predOriginal = sample.sub(modelOutput.mul(sigma));
                NDArray derivative = sample.sub(predOriginal).div(sigma);
                float dt = down - sigma;
                NDArray prev = sample.add(derivative.mul(dt));
                NDArray z = s.noise(noise, modelOutput);
                prev = prev.add(z.mul(up));
                stepIndex++;
                return new StepResult(s.out(prev), s.out(predOriginal));
            }
        }
    }
}
