package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * Port of diffusers' {@code DDIMScheduler}: denoising diffusion implicit models; {@code eta} (a per-request step
 * option) blends in DDPM-like noise.
 */
public final class DdimScheduler extends BaseScheduler {

    static final SchedulerClass CLASS = new SchedulerClass("DDIMScheduler",
            DdimScheduler::defaults, DdimScheduler::new);

    static Map<String, Object> defaults() {
        return ConfigDefaults.of(0.0001, 0.02, "linear",
                "clip_sample", true, "set_alpha_to_one", true, "steps_offset", 0, "prediction_type", "epsilon",
                "thresholding", false, "dynamic_thresholding_ratio", 0.995, "clip_sample_range", 1.0,
                "sample_max_value", 1.0, "timestep_spacing", "leading", "rescale_betas_zero_snr", false);
    }

    DdimScheduler(SchedulerConfig config) {
        super(config);
    }

    @Override
    protected SchedulerRun createRun(int numInferenceSteps) {
        return new Run(numInferenceSteps);
    }

    /** One DDIM generation (stateless apart from its schedule). */
    final class Run extends AbstractSchedulerRun {

        Run(int n) {
            super(NoiseSchedules.alphaFamilyTimesteps(config, n, numTrain), true, n, 1, false);
        }

        @Override
        public Map<String, double[]> extraSchedules() {
            return finalAlphaSchedule();
        }

        @Override
        public StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions o, NoiseSource noise) {
            int timestep = intTimestep(t);
            int prevTimestep = timestep - numTrain / numInferenceSteps;
            float a = alphasCumprod[timestep];
            float ap = prevTimestep >= 0 ? alphasCumprod[prevTimestep] : finalAlphaCumprod();
            float b = 1.0f - a;
            double eta = o.eta();
            try (Scope s = new Scope(sample, modelOutput)) {
                NDArray predOriginal = sample.sub(modelOutput.mul((float) Math.sqrt(b))).div((float) Math.sqrt(a));
                NDArray predEpsilon = modelOutput;
                if (config.getBoolean("clip_sample")) {
                    float r = (float) config.getDouble("clip_sample_range");
                    predOriginal = predOriginal.clip(-r, r);
                }
                float bp = 1.0f - ap;
                float variance = (bp / b) * (1.0f - a / ap);
                float stdDev = (float) eta * (float) Math.sqrt(variance);
                if (o.useClippedModelOutput()) {
                    predEpsilon = sample.sub(predOriginal.mul((float) Math.sqrt(a))).div((float) Math.sqrt(b));
                }
                float dirCoeff = (float) Math.sqrt(1.0f - ap - stdDev * stdDev);
                NDArray direction = predEpsilon.mul(dirCoeff);
                NDArray prev = predOriginal.mul((float) Math.sqrt(ap)).add(direction);
                if (eta > 0) {
                    NDArray z = s.noise(noise, modelOutput);
                    prev = prev.add(z.mul(stdDev));
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
