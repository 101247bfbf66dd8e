package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;

/**
 * Port of diffusers' {@code DPMSolverMultistepScheduler}: DPM-Solver / DPM-Solver++ (and their SDE variants),
 * multistep of order 1–3, with Karras or Lu lambdas sigmas and {@code final_sigmas_type} "zero" or "sigma_min".
 */
public final class DpmSolverMultistepScheduler extends BaseScheduler {

    static final SchedulerClass CLASS = new SchedulerClass("DPMSolverMultistepScheduler",
            DpmSolverMultistepScheduler::defaults, DpmSolverMultistepScheduler::new);

    static Map<String, Object> defaults() {
        return ConfigDefaults.solver(
                "algorithm_type", "dpmsolver++", "solver_type", "midpoint", "lower_order_final", true,
                "euler_at_final", false, "use_karras_sigmas", false, "use_lu_lambdas", false,
                "final_sigmas_type", "zero", "lambda_min_clipped", Double.NEGATIVE_INFINITY, "variance_type", null,
                "timestep_spacing", "linspace", "steps_offset", 0, "rescale_betas_zero_snr", false);
    }

    private final int solverOrder;
    private final String algorithm;
    private final String solverType;

    DpmSolverMultistepScheduler(SchedulerConfig config) {
        super(normalize(config, List.of("dpmsolver", "dpmsolver++", "sde-dpmsolver", "sde-dpmsolver++")));
        this.algorithm = this.config.getString("algorithm_type");
        this.solverType = this.config.getString("solver_type");
        requireFinalSigmas(this.config, algorithm.equals("dpmsolver++") || algorithm.equals("sde-dpmsolver++"));
        this.solverOrder = ConfigDefaults.solverOrder(this.config, 3);
    }

    /**
     * diffusers maps DEIS's algorithm and the other solvers' types onto the DPM solvers' own (so schedulers can be
     * switched); shared with {@link DpmSolverSinglestepScheduler}.
     */
    static SchedulerConfig normalize(SchedulerConfig c, List<String> algorithms) {
        c = ConfigDefaults.mapValue(c, "algorithm_type", "dpmsolver++", List.of("deis"), algorithms);
        return ConfigDefaults.mapValue(c, "solver_type", "midpoint", List.of("logrho", "bh1", "bh2"), List.of("heun"));
    }

    /** The last sigma by {@code final_sigmas_type}: σ_min or 0. */
    double finalSigma() {
        return "sigma_min".equals(config.getString("final_sigmas_type")) ? sigmaMin() : 0.0;
    }

    /** A zero final sigma needs a data-prediction algorithm; the final sigma is "zero" or "sigma_min". */
    static void requireFinalSigmas(SchedulerConfig c, boolean zeroAllowed) {
        String finalType = c.getString("final_sigmas_type");
        if (!zeroAllowed && "zero".equals(finalType)) {
            throw new IllegalArgumentException("final_sigmas_type 'zero' is not supported for algorithm_type "
                    + c.getString("algorithm_type") + "; choose 'sigma_min'");
        }
        if (!"zero".equals(finalType) && !"sigma_min".equals(finalType)) {
            throw NoiseSchedules.unsupported("final_sigmas_type", finalType);
        }
    }

    @Override
    protected SchedulerRun createRun(int numInferenceSteps) {
        int n = numInferenceSteps;
        int clipped = VpSchedulerRun.clippedIndex(alphasCumprod, config.getDouble("lambda_min_clipped"));
        double[] ts = NoiseSchedules.multistepTimesteps(config, n, numTrain, numTrain - clipped);
        double[] sig;
        if (config.getBoolean("use_karras_sigmas")) {
            sig = karrasSigmas(n);
            ts = roundedTimestepsOfSigmas(sig);
        } else if (config.getBoolean("use_lu_lambdas")) {
            double lambdaMin = logSigmas[0];
            double lambdaMax = logSigmas[numTrain - 1];
            double[] ramp = NoiseSchedules.npLinspace(0, 1, n, true);
            sig = new double[n];
            for (int i = 0; i < n; i++) {
                sig[i] = Math.exp(lambdaMax + ramp[i] * (lambdaMin - lambdaMax));
            }
            ts = roundedTimestepsOfSigmas(sig);
        } else {
            sig = NoiseSchedules.interp(ts, trainSigmas);
        }
        return new Run(ts, VpSchedulerRun.withLast(sig, finalSigma()), ts.length);
    }

    /** One DPM-Solver multistep generation. */
    final class Run extends VpSchedulerRun {

        Run(double[] ts, float[] sigmas, int n) {
            super(ts, sigmas, n, solverOrder);
        }

        @Override
        public StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions o, NoiseSource noise) {
            ensureStepIndex(t);
            int len = timesteps.length;
            boolean lowerOrderFinal = stepIndex == len - 1
                    && (config.getBoolean("euler_at_final")
                            || (config.getBoolean("lower_order_final") && len < 15)
                            || "zero".equals(config.getString("final_sigmas_type")));
            boolean lowerOrderSecond =
                    stepIndex == len - 2 && config.getBoolean("lower_order_final") && len < 15;
            NDArray dropped = null;
            try (Scope s = new Scope(sample, modelOutput)) {
                historyIn(s);
                NDArray converted = algorithm.endsWith("dpmsolver++")
                        ? x0FromEpsilon(sample, modelOutput, sigmas[stepIndex])
                        : modelOutput.duplicate();
                dropped = pushModelOutput(s, converted);
                NDArray z = null;
                if (algorithm.startsWith("sde-")) {
                    z = s.noise(noise, modelOutput);
                }
                NDArray prev;
                if (solverOrder == 1 || lowerOrderNums < 1 || lowerOrderFinal) {
                    prev = firstOrder(m(1), sample, z);
                } else if (solverOrder == 2 || lowerOrderNums < 2 || lowerOrderSecond) {
                    prev = secondOrder(sample, z);
                } else {
                    prev = thirdOrder(sample);
                }
                countLowerOrderStep();
                stepIndex++;
                return new StepResult(s.out(prev), null);
            } finally {
                release(dropped);
            }
        }

        private NDArray firstOrder(NDArray m0, NDArray sample, NDArray z) {
            Point t = at(stepIndex + 1);
            Point s = at(stepIndex);
            float h = t.lambda() - s.lambda();
            switch (algorithm) {
                case "dpmsolver++":
                    return sample.mul(t.sigma() / s.sigma()).sub(m0.mul(t.alpha() * (VpMath.exp(-h) - 1.0f)));
                case "dpmsolver":
                    return sample.mul(t.alpha() / s.alpha()).sub(m0.mul(t.sigma() * (VpMath.exp(h) - 1.0f)));
                case "sde-dpmsolver++":
                    return sample.mul(t.sigma() / s.sigma() * VpMath.exp(-h))
                            .add(m0.mul(t.alpha() * (1 - VpMath.exp(-2.0f * h))))
                            .add(z.mul(t.sigma() * VpMath.sqrt(1.0f - VpMath.exp(-2 * h))));
                default: // sde-dpmsolver
                    return sample.mul(t.alpha() / s.alpha())
                            .sub(m0.mul(2.0f * (t.sigma() * (VpMath.exp(h) - 1.0f))))
                            .add(z.mul(t.sigma() * VpMath.sqrt(VpMath.exp(2 * h) - 1.0f)));
            }
        }

        private NDArray secondOrder(NDArray sample, NDArray z) {
            Point t = at(stepIndex + 1);
            Point s0 = at(stepIndex);
            Point s1 = at(stepIndex - 1);
            NDArray m0 = m(1);
            NDArray m1 = m(2);
            float h = t.lambda() - s0.lambda();
            float h0 = s0.lambda() - s1.lambda();
            float r0 = h0 / h;
            NDArray d0 = m0;
            NDArray d1 = m0.sub(m1).mul(1.0f / r0);
            boolean mid = "midpoint".equals(solverType);
            switch (algorithm) {
                case "dpmsolver++": {
                    float c = t.alpha() * (VpMath.exp(-h) - 1.0f);
                    NDArray x = sample.mul(t.sigma() / s0.sigma()).sub(d0.mul(c));
                    return mid ? x.sub(d1.mul(0.5f * c))
                            : x.add(d1.mul(t.alpha() * ((VpMath.exp(-h) - 1.0f) / h + 1.0f)));
                }
                case "dpmsolver": {
                    float c = t.sigma() * (VpMath.exp(h) - 1.0f);
                    NDArray x = sample.mul(t.alpha() / s0.alpha()).sub(d0.mul(c));
                    return mid ? x.sub(d1.mul(0.5f * c))
                            : x.sub(d1.mul(t.sigma() * ((VpMath.exp(h) - 1.0f) / h - 1.0f)));
                }
                case "sde-dpmsolver++": {
                    float c = t.alpha() * (1 - VpMath.exp(-2.0f * h));
                    NDArray x = sample.mul(t.sigma() / s0.sigma() * VpMath.exp(-h)).add(d0.mul(c));
                    x = mid ? x.add(d1.mul(0.5f * c))
                            : x.add(d1.mul(t.alpha() * ((1.0f - VpMath.exp(-2.0f * h)) / (-2.0f * h) + 1.0f)));
                    return x.add(z.mul(t.sigma() * VpMath.sqrt(1.0f - VpMath.exp(-2 * h))));
                }
                default: { // sde-dpmsolver
                    float c = t.sigma() * (VpMath.exp(h) - 1.0f);
                    NDArray x = sample.mul(t.alpha() / s0.alpha()).sub(d0.mul(2.0f * c));
                    x = mid ? x.sub(d1.mul(c))
                            : x.sub(d1.mul(2.0f * (t.sigma() * ((VpMath.exp(h) - 1.0f) / h - 1.0f))));
                    return x.add(z.mul(t.sigma() * VpMath.sqrt(VpMath.exp(2 * h) - 1.0f)));
                }
            }
        }

        private NDArray thirdOrder(NDArray sample) {
            Point t = at(stepIndex + 1);
            Point s0 = at(stepIndex);
            Point s1 = at(stepIndex - 1);
            Point s2 = at(stepIndex - 2);
            NDArray m0 = m(1);
            NDArray m1 = m(2);
            NDArray m2 = m(3);
            float h = t.lambda() - s0.lambda();
            float h0 = s0.lambda() - s1.lambda();
            float h1 = s1.lambda() - s2.lambda();
            float r0 = h0 / h;
            float r1 = h1 / h;
            NDArray d10 = m0.sub(m1).mul(1.0f / r0);
            NDArray d11 = m1.sub(m2).mul(1.0f / r1);
            NDArray d1 = d10.add(d10.sub(d11).mul(r0 / (r0 + r1)));
            NDArray d2 = d10.sub(d11).mul(1.0f / (r0 + r1));
            if ("dpmsolver++".equals(algorithm)) {
                float e = VpMath.exp(-h) - 1.0f;
                return sample.mul(t.sigma() / s0.sigma())
                        .sub(m0.mul(t.alpha() * e))
                        .add(d1.mul(t.alpha() * (e / h + 1.0f)))
                        .sub(d2.mul(t.alpha() * ((VpMath.exp(-h) - 1.0f + h) / (h * h) - 0.5f)));
            }
            if ("dpmsolver".equals(algorithm)) {
                float e = VpMath.exp(h) - 1.0f;
                return sample.mul(t.alpha() / s0.alpha())
                        .sub(m0.mul(t.sigma() * e))
                        .sub(d1.mul(t.sigma() * (e / h - 1.0f)))
                        .sub(d2.mul(t.sigma() * ((VpMath.exp(h) - 1.0f - h) / (h * h) - 0.5f)));
            }
            throw NoiseSchedules.unsupported("solver_order 3 with algorithm_type", algorithm);
        }
    }
}
