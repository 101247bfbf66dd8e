package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * Port of diffusers' {@code EulerDiscreteScheduler}: Euler steps over sigmas (Karras et al. 2022, Algorithm 2),
 * optionally with Karras sigmas and churn ({@link StepOptions#sChurn()}).
 */
public final class EulerDiscreteScheduler extends BaseScheduler {

    static final SchedulerClass CLASS = new SchedulerClass("EulerDiscreteScheduler",
            EulerDiscreteScheduler::defaults, EulerDiscreteScheduler::new);

    static Map<String, Object> defaults() {
        return ConfigDefaults.of(0.0001, 0.02, "linear",
                "prediction_type", "epsilon", "interpolation_type", "linear", "use_karras_sigmas", false,
                "sigma_min", null, "sigma_max", null, "timestep_spacing", "linspace", "timestep_type", "discrete",
                "steps_offset", 0, "rescale_betas_zero_snr", false);
    }

    EulerDiscreteScheduler(SchedulerConfig config) {
        super(config);
        if (!"discrete".equals(config.getString("timestep_type"))) {
            throw NoiseSchedules.unsupported("timestep_type", config.getString("timestep_type"));
        }
    }

    @Override
    protected SchedulerRun createRun(int numInferenceSteps) {
        int n = numInferenceSteps;
        double[] ts = NoiseSchedules.sigmaFamilyTimesteps(config, n, numTrain);
        double[] sig;
        String interpolation = config.getString("interpolation_type");
        if ("linear".equals(interpolation)) {
            sig = NoiseSchedules.interp(ts, trainSigmas);
        } else if ("log_linear".equals(interpolation)) {
            float[] lin = NoiseSchedules.torchLinspaceF32(
                    Math.log(trainSigmas[trainSigmas.length - 1]), Math.log(trainSigmas[0]), n + 1);
            sig = new double[lin.length];
            for (int i = 0; i < lin.length; i++) {
                sig[i] = (float) Math.exp(lin[i]);
            }
        } else {
            throw NoiseSchedules.unsupported("interpolation_type", interpolation);
        }
        if (config.getBoolean("use_karras_sigmas")) {
            Object min = config.get("sigma_min");
            Object max = config.get("sigma_max");
            double sMin = min != null ? config.getDouble("sigma_min") : sig[sig.length - 1];
            double sMax = max != null ? config.getDouble("sigma_max") : sig[0];
            sig = NoiseSchedules.karras(sMin, sMax, n);
            ts = timestepsOfSigmas(sig);
        }
        return new Run(NoiseSchedules.toF32(ts), SigmaSchedulerRun.withZeroF32(sig), n);
    }

    /** One Euler generation. */
    final class Run extends SigmaSchedulerRun {

        Run(double[] ts, float[] sigmas, int n) {
            super(ts, sigmas, n, 1, config.getString("timestep_spacing"));
        }

        @Override
        public StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions o, NoiseSource noise) {
            ensureStepIndex(t);
            float sigma = sigmas[stepIndex];
            double gamma = o.sTmin() <= sigma && sigma <= o.sTmax()
                    ? Math.min(o.sChurn() / (sigmas.length - 1), Math.sqrt(2) - 1)
                    : 0.0;
            try (Scope s = new Scope(sample, modelOutput)) {
                NDArray z = s.noise(noise, modelOutput);
                float sigmaHat = sigma * (float) (gamma + 1);
                NDArray x = sample;
                if (gamma > 0) {
                    NDArray eps = z.mul((float) o.sNoise());
                    x = x.add(eps.mul((float) Math.sqrt(sigmaHat * sigmaHat - sigma * sigma)));
                }
                NDArray predOriginal = x.sub(modelOutput.mul(sigmaHat));
                NDArray derivative = x.sub(predOriginal).div(sigmaHat);
                float dt = sigmas[stepIndex + 1] - sigmaHat;
                NDArray prev = x.add(derivative.mul(dt));
                stepIndex++;
                return new StepResult(s.out(prev), s.out(predOriginal));
            }
        }
    }
}
