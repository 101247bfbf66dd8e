package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * Port of diffusers' {@code LCMScheduler}: multistep latent consistency sampling over a skipped subset of the
 * {@code original_inference_steps} schedule, with fresh noise between steps.
 */
public final class LcmScheduler extends BaseScheduler {

    static final SchedulerClass CLASS = new SchedulerClass("LCMScheduler",
            LcmScheduler::defaults, LcmScheduler::new);

    static Map<String, Object> defaults() {
        return ConfigDefaults.of(0.00085, 0.012, "scaled_linear",
                "original_inference_steps", 50, "clip_sample", false, "clip_sample_range", 1.0,
                "set_alpha_to_one", true, "steps_offset", 0, "prediction_type", "epsilon", "thresholding", false,
                "dynamic_thresholding_ratio", 0.995, "sample_max_value", 1.0, "timestep_spacing", "leading",
                "timestep_scaling", 10.0, "rescale_betas_zero_snr", false);
    }

    LcmScheduler(SchedulerConfig config) {
        super(config);
    }

    @Override
    protected SchedulerRun createRun(int numInferenceSteps) {
        int originalSteps = config.getInt("original_inference_steps");
        if (numInferenceSteps > originalSteps) {
            throw new IllegalArgumentException("LCM needs numInferenceSteps <= original_inference_steps ("
                    + originalSteps + "), got " + numInferenceSteps);
        }
        return new Run(numInferenceSteps, timesteps(numInferenceSteps, originalSteps));
    }

    private double[] timesteps(int n, int originalSteps) {
        int k = numTrain / originalSteps;
        int count = originalSteps; // strength 1.0
        double[] origin = new double[count];
        for (int i = 0; i < count; i++) {
            origin[i] = (double) (i + 1) * k - 1;
        }
        if (count / n < 1) {
            throw new IllegalArgumentException("LCM: numInferenceSteps too large for the original schedule");
        }
        double[] rev = NoiseSchedules.reversed(origin);
        double[] idx = NoiseSchedules.npLinspace(0, rev.length, n, false);
        double[] ts = new double[n];
        for (int i = 0; i < n; i++) {
            ts[i] = rev[(int) Math.floor(idx[i])];
        }
        return ts;
    }

    /** One LCM generation. */
    final class Run extends AbstractSchedulerRun {

        Run(int n, double[] ts) {
            super(ts, true, n, 1, true);
        }

        @Override
        public Map<String, double[]> extraSchedules() {
            return finalAlphaSchedule();
        }

        @Override
        public StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions o, NoiseSource noise) {
            if (stepIndex < 0) {
                initStepIndex(t, false);
            }
            int timestep = intTimestep(t);
            int prevIndex = stepIndex + 1;
            int prevTimestep = prevIndex < timesteps.length ? (int) timesteps[prevIndex] : timestep;
            float a = alphasCumprod[timestep];
            float ap = prevTimestep >= 0 ? alphasCumprod[prevTimestep] : finalAlphaCumprod();
            float b = 1.0f - a;
            float bp = 1.0f - ap;
            float sigmaData = 0.5f;
            float scaled = (float) timestep * (float) config.getDouble("timestep_scaling");
            float cSkip = sigmaData * sigmaData / (scaled * scaled + sigmaData * sigmaData);
            float cOut = scaled / (float) Math.sqrt(scaled * scaled + sigmaData * sigmaData);
            try (Scope s = new Scope(sample, modelOutput)) {
                NDArray predOriginal = sample.sub(modelOutput.mul((float) Math.sqrt(b))).div((float) Math.sqrt(a));
                if (config.getBoolean("clip_sample")) {
                    float r = (float) config.getDouble("clip_sample_range");
                    predOriginal = predOriginal.clip(-r, r);
                }
                NDArray denoised = predOriginal.mul(cOut).add(sample.mul(cSkip));
                NDArray prev;
                if (stepIndex != numInferenceSteps - 1) {
                    NDArray z = s.noise(noise, modelOutput);
                    prev = denoised.mul((float) Math.sqrt(ap)).add(z.mul((float) Math.sqrt(bp)));
                } else {
                    prev = denoised.duplicate();
                }
                stepIndex++;
                return new StepResult(s.out(prev), s.out(denoised));
            }
        }

        @Override
        public NDArray addNoise(NDArray original, NDArray noise, double[] ts) {
            return addNoiseWithAlphas(alphasCumprod, original, noise, ts);
        }
    }
}
