package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;

/**
 * Port of diffusers' {@code DEISMultistepScheduler}: diffusion exponential integrator sampler (log-rho
 * polynomial extrapolation of ε, order 1–3) over sigmas ending at σ_min.
 */
public final class DeisMultistepScheduler extends BaseScheduler {

    static final SchedulerClass CLASS = new SchedulerClass("DEISMultistepScheduler",
            DeisMultistepScheduler::defaults, DeisMultistepScheduler::new);

    static Map<String, Object> defaults() {
        return ConfigDefaults.solver(
                "algorithm_type", "deis", "solver_type", "logrho", "lower_order_final", true,
                "use_karras_sigmas", false, "timestep_spacing", "linspace", "steps_offset", 0);
    }

    private final int solverOrder;

    DeisMultistepScheduler(SchedulerConfig config) {
        super(normalize(config));
        this.solverOrder = ConfigDefaults.solverOrder(this.config, 3);
    }

    /** diffusers maps the DPM solvers' algorithm and solver types onto DEIS's own, so schedulers can be switched. */
    private static SchedulerConfig normalize(SchedulerConfig c) {
        c = ConfigDefaults.mapValue(c, "algorithm_type", "deis", List.of("dpmsolver", "dpmsolver++"), List.of());
        return ConfigDefaults.mapValue(
                c, "solver_type", "logrho", List.of("midpoint", "heun", "bh1", "bh2"), List.of());
    }

    @Override
    protected SchedulerRun createRun(int numInferenceSteps) {
        return new Run(multistepSchedule(numInferenceSteps));
    }

    /** One DEIS generation. */
    final class Run extends VpSchedulerRun {

        Run(VpSchedule schedule) {
            super(schedule, solverOrder);
        }

        @Override
        public StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions o, NoiseSource noise) {
            ensureStepIndex(t);
            int len = timesteps.length;
            boolean lowerFinal = stepIndex == len - 1 && config.getBoolean("lower_order_final") && len < 15;
            boolean lowerSecond = stepIndex == len - 2 && config.getBoolean("lower_order_final") && len < 15;
            NDArray dropped = null;
            try (Scope s = new Scope(sample, modelOutput)) {
                historyIn(s);
                float sigma = sigmas[stepIndex];
                float alpha = VpMath.alpha(sigma);
                float sigmaT = sigma * alpha;
                NDArray x0 = x0FromEpsilon(sample, modelOutput, sigma);
                NDArray eps = sample.sub(x0.mul(alpha)).div(sigmaT);
                dropped = pushModelOutput(s, eps);
                NDArray prev;
                if (solverOrder == 1 || lowerOrderNums < 1 || lowerFinal) {
                    prev = firstOrder(sample);
                } else if (solverOrder == 2 || lowerOrderNums < 2 || lowerSecond) {
                    prev = secondOrder(sample);
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

        private NDArray firstOrder(NDArray sample) {
            Point t = at(stepIndex + 1);
            float sT = sigmas[stepIndex + 1];
            Point s = at(stepIndex);
            float sS = sigmas[stepIndex];
            float h = VpMath.lambda(sT) - VpMath.lambda(sS);
            return sample.mul(t.alpha() / s.alpha()).sub(m(1).mul(t.sigma() * (VpMath.exp(h) - 1.0f)));
        }

        private NDArray secondOrder(NDArray sample) {
            Point t = at(stepIndex + 1);
            float sT = sigmas[stepIndex + 1];
            Point s0 = at(stepIndex);
            float sS0 = sigmas[stepIndex];
            Point s1 = at(stepIndex - 1);
            float sS1 = sigmas[stepIndex - 1];
            float rhoT = sT * t.alpha() / t.alpha();
            float rhoS0 = sS0 * s0.alpha() / s0.alpha();
            float rhoS1 = sS1 * s1.alpha() / s1.alpha();
            float coef1 = ind2(rhoT, rhoS0, rhoS1) - ind2(rhoS0, rhoS0, rhoS1);
            float coef2 = ind2(rhoT, rhoS1, rhoS0) - ind2(rhoS0, rhoS1, rhoS0);
            NDArray inner = sample.div(s0.alpha()).add(m(1).mul(coef1)).add(m(2).mul(coef2));
            return inner.mul(t.alpha());
        }

        private NDArray thirdOrder(NDArray sample) {
            Point t = at(stepIndex + 1);
            float sT = sigmas[stepIndex + 1];
            Point s0 = at(stepIndex);
            float sS0 = sigmas[stepIndex];
            Point s1 = at(stepIndex - 1);
            float sS1 = sigmas[stepIndex - 1];
            Point s2 = at(stepIndex - 2);
            float sS2 = sigmas[stepIndex - 2];
            float rhoT = sT * t.alpha() / t.alpha();
            float rhoS0 = sS0 * s0.alpha() / s0.alpha();
            float rhoS1 = sS1 * s1.alpha() / s1.alpha();
            float rhoS2 = sS2 * s2.alpha() / s2.alpha();
            float coef1 = ind3(rhoT, rhoS0, rhoS1, rhoS2) - ind3(rhoS0, rhoS0, rhoS1, rhoS2);
            float coef2 = ind3(rhoT, rhoS1, rhoS2, rhoS0) - ind3(rhoS0, rhoS1, rhoS2, rhoS0);
            float coef3 = ind3(rhoT, rhoS2, rhoS0, rhoS1) - ind3(rhoS0, rhoS2, rhoS0, rhoS1);
            NDArray inner = sample.div(s0.alpha()).add(m(1).mul(coef1)).add(m(2).mul(coef2)).add(m(3).mul(coef3));
            return inner.mul(t.alpha());
        }

        /** ∫ (log t − log c) / (log b − log c) dt, float32. */
        private float ind2(float t, float b, float c) {
            float lt = VpMath.log(t);
            float lb = VpMath.log(b);
            float lc = VpMath.log(c);
            return t * (-lc + lt - 1) / (lb - lc);
        }

        /** ∫ (log t − log c)(log t − log d) / ((log b − log c)(log b − log d)) dt, float32. */
        private float ind3(float t, float b, float c, float d) {
            float lt = VpMath.log(t);
            float lb = VpMath.log(b);
            float lc = VpMath.log(c);
            float ld = VpMath.log(d);
            float numerator = t * (lc * (ld - lt + 1) - ld * lt + ld + lt * lt - 2 * lt + 2);
            float denominator = (lb - lc) * (lb - ld);
            return numerator / denominator;
        }
    }
}
