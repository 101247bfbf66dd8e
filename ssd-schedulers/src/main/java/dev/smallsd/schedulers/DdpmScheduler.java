package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/** Port of diffusers' {@code DDPMScheduler}: ancestral sampling of denoising diffusion probabilistic models. */
public final class DdpmScheduler extends BaseScheduler {

    static final SchedulerClass CLASS = new SchedulerClass("DDPMScheduler",
            DdpmScheduler::defaults, DdpmScheduler::new);

    static Map<String, Object> defaults() {
        return ConfigDefaults.of(0.0001, 0.02, "linear",
                "variance_type", "fixed_small", "clip_sample", true, "prediction_type", "epsilon",
                "thresholding", false, "dynamic_thresholding_ratio", 0.995, "clip_sample_range", 1.0,
                "sample_max_value", 1.0, "timestep_spacing", "leading", "steps_offset", 0,
                "rescale_betas_zero_snr", false);
    }

    DdpmScheduler(SchedulerConfig config) {
        super(config);
    }

    @Override
    protected SchedulerRun createRun(int numInferenceSteps) {
        return new Run(numInferenceSteps);
    }

    /** One DDPM generation. */
    final class Run extends AbstractSchedulerRun {

        Run(int n) {
            super(NoiseSchedules.alphaFamilyTimesteps(config, n, numTrain), true, n, 1, false);
        }

        @Override
        public StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions o, NoiseSource noise) {
            int timestep = intTimestep(t);
            int prevT = timestep - numTrain / numInferenceSteps;
            float a = alphasCumprod[timestep];
            float ap = prevT >= 0 ? alphasCumprod[prevT] : 1.0f;
            float b = 1.0f - a;
            float bp = 1.0f - ap;
            float curAlpha = a / ap;
            float curBeta = 1.0f - curAlpha;
            try (Scope s = new Scope(sample, modelOutput)) {
                NDArray predOriginal = sample.sub(modelOutput.mul((float) Math.sqrt(b))).div((float) Math.sqrt(a));
                if (config.getBoolean("clip_sample")) {
                    float r = (float) config.getDouble("clip_sample_range");
                    predOriginal = predOriginal.clip(-r, r);
                }
                float origCoeff = ((float) Math.sqrt(ap) * curBeta) / b;
                float sampleCoeff = (float) Math.sqrt(curAlpha) * bp / b;
                NDArray prev = predOriginal.mul(origCoeff).add(sample.mul(sampleCoeff));
                if (timestep > 0) {
                    NDArray z = s.noise(noise, modelOutput);
                    float variance = bp / b * curBeta;
                    variance = Math.max(variance, 1e-20f);
                    prev = prev.add(z.mul((float) Math.sqrt(variance)));
                }
                return new StepResult(s.out(prev), s.out(predOriginal));
            }
        }

        @Override
        public NDArray addNoise(NDArray original, NDArray noise, double[] ts) {
            return addNoiseWithAlphas(alphasCumprod, original, noise, ts);
        }
    }
}
