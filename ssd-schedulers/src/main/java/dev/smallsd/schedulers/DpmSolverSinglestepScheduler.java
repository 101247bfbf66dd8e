package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Port of diffusers' {@code DPMSolverSinglestepScheduler}: singlestep DPM-Solver / DPM-Solver++ of order 1–3, each
 * block of {@code order} steps integrating from the sample at the block's start.
 */
public final class DpmSolverSinglestepScheduler extends BaseScheduler {

    static final SchedulerClass CLASS = new SchedulerClass("DPMSolverSinglestepScheduler",
            DpmSolverSinglestepScheduler::defaults, DpmSolverSinglestepScheduler::new);

    static Map<String, Object> defaults() {
        return ConfigDefaults.solver(
                "algorithm_type", "dpmsolver++", "solver_type", "midpoint", "lower_order_final", false,
                "use_karras_sigmas", false, "final_sigmas_type", "zero",
                "lambda_min_clipped", Double.NEGATIVE_INFINITY, "variance_type", null);
    }

    private final int solverOrder;
    private final String algorithm;
    private final String solverType;

    DpmSolverSinglestepScheduler(SchedulerConfig config) {
        super(DpmSolverMultistepScheduler.normalize(config, List.of("dpmsolver", "dpmsolver++")));
        this.algorithm = this.config.getString("algorithm_type");
        this.solverType = this.config.getString("solver_type");
        DpmSolverMultistepScheduler.requireFinalSigmas(this.config, "dpmsolver++".equals(algorithm));
        this.solverOrder = ConfigDefaults.solverOrder(this.config, 3);
    }

    /** diffusers' {@code get_order_list}. */
    int[] orderList(int steps, boolean lowerOrderFinal) {
        List<Integer> orders = new ArrayList<>();
        int order = solverOrder;
        if (lowerOrderFinal) {
            if (order == 3) {
                int reps = steps % 3 == 0 ? steps / 3 - 1 : steps / 3;
                for (int i = 0; i < reps; i++) {
                    orders.addAll(List.of(1, 2, 3));
                }
                if (steps % 3 == 0) {
                    orders.addAll(List.of(1, 2, 1));
                } else if (steps % 3 == 1) {
                    orders.add(1);
                } else {
                    orders.addAll(List.of(1, 2));
                }
            } else if (order == 2) {
                if (steps % 2 == 0) {
                    for (int i = 0; i < steps / 2 - 1; i++) {
                        orders.addAll(List.of(1, 2));
                    }
                    orders.addAll(List.of(1, 1));
                } else {
                    for (int i = 0; i < steps / 2; i++) {
                        orders.addAll(List.of(1, 2));
                    }
                    orders.add(1);
                }
            } else {
                for (int i = 0; i < steps; i++) {
                    orders.add(1);
                }
            }
        } else {
            List<Integer> block = order == 3 ? List.of(1, 2, 3) : order == 2 ? List.of(1, 2) : List.of(1);
            for (int i = 0; i < steps / order; i++) {
                orders.addAll(block);
            }
        }
        return orders.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    protected SchedulerRun createRun(int numInferenceSteps) {
        int n = numInferenceSteps;
        int clipped = VpSchedulerRun.clippedIndex(alphasCumprod, config.getDouble("lambda_min_clipped"));
        double[] lin = NoiseSchedules.npLinspace(0, numTrain - 1 - clipped, n + 1, true);
        double[] ts = new double[n];
        for (int i = 0; i < n; i++) {
            ts[i] = NoiseSchedules.npRound(lin[n - i]);
        }
        double[] sig;
        if (config.getBoolean("use_karras_sigmas")) {
            sig = karrasSigmas(n);
            ts = roundedTimestepsOfSigmas(sig);
        } else {
            sig = NoiseSchedules.interp(ts, trainSigmas);
        }
        double last = "sigma_min".equals(config.getString("final_sigmas_type")) ? sigmaMin() : 0.0;
        // set_timesteps switches lower_order_final on for uneven steps or a zero final sigma
        boolean lowerOrderFinal = config.getBoolean("lower_order_final")
                || n % solverOrder != 0
                || "zero".equals(config.getString("final_sigmas_type"));
        Map<String, Object> changes = lowerOrderFinal && !config.getBoolean("lower_order_final")
                ? Map.of("lower_order_final", true)
                : Map.of();
        return new Run(ts, VpSchedulerRun.withLast(sig, last), n, orderList(n, lowerOrderFinal), changes);
    }

    /** One DPM-Solver singlestep generation. */
    final class Run extends VpSchedulerRun {
        private final int[] orderList;
        private final Map<String, Object> configChanges;
        private NDArray blockSample;

        Run(double[] ts, float[] sigmas, int n, int[] orderList, Map<String, Object> configChanges) {
            super(ts, sigmas, n, solverOrder);
            this.orderList = orderList;
            this.configChanges = configChanges;
        }

        @Override
        public Map<String, Object> configChanges() {
            return configChanges;
        }

        @Override
        public Map<String, double[]> extraSchedules() {
            double[] o = new double[orderList.length];
            for (int i = 0; i < o.length; i++) {
                o[i] = orderList[i];
            }
            return Map.of("order_list", o);
        }

        @Override
        public StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions o, NoiseSource noise) {
            ensureStepIndex(t);
            NDArray dropped = null;
            NDArray oldBlock = null;
            try (Scope s = new Scope(sample, modelOutput, blockSample)) {
                historyIn(s);
                NDArray converted = "dpmsolver++".equals(algorithm)
                        ? x0FromEpsilon(sample, modelOutput, sigmas[stepIndex])
                        : modelOutput.duplicate();
                dropped = pushModelOutput(s, converted);
                int order = orderList[stepIndex];
                while (m(order) == null) {
                    order--;
                }
                if (order == 1) {
                    oldBlock = blockSample;
                    blockSample = s.keepCopy(sample);
                }
                NDArray x = blockSample;
                NDArray prev;
                if (order == 1) {
                    prev = firstOrder(m(1), x);
                } else if (order == 2) {
                    prev = secondOrder(x);
                } else {
                    prev = thirdOrder(x);
                }
                stepIndex++;
                return new StepResult(s.out(prev), null);
            } finally {
                release(dropped);
                release(oldBlock);
            }
        }

        private NDArray firstOrder(NDArray m0, NDArray sample) {
            Point t = at(stepIndex + 1);
            float sT = sigmas[stepIndex + 1];
            Point s = at(stepIndex);
            float sS = sigmas[stepIndex];
            float h = VpMath.lambda(sT) - VpMath.lambda(sS);
            if ("dpmsolver++".equals(algorithm)) {
                return sample.mul(t.sigma() / s.sigma()).sub(m0.mul(t.alpha() * (VpMath.exp(-h) - 1.0f)));
            }
            return sample.mul(t.alpha() / s.alpha()).sub(m0.mul(t.sigma() * (VpMath.exp(h) - 1.0f)));
        }

        private NDArray secondOrder(NDArray sample) {
            Point t = at(stepIndex + 1);
            Point s1 = at(stepIndex - 1);
            Point s0 = at(stepIndex);
            NDArray m0 = m(1);
            NDArray m1 = m(2);
            float h = t.lambda() - s1.lambda();
            float h0 = s0.lambda() - s1.lambda();
            float r0 = h0 / h;
            NDArray d0 = m1;
            NDArray d1 = m0.sub(m1).mul(1.0f / r0);
            boolean mid = "midpoint".equals(solverType);
            if ("dpmsolver++".equals(algorithm)) {
                float c = t.alpha() * (VpMath.exp(-h) - 1.0f);
                NDArray x = sample.mul(t.sigma() / s1.sigma()).sub(d0.mul(c));
                return mid ? x.sub(d1.mul(0.5f * c))
                        : x.add(d1.mul(t.alpha() * ((VpMath.exp(-h) - 1.0f) / h + 1.0f)));
            }
            float c = t.sigma() * (VpMath.exp(h) - 1.0f);
            NDArray x = sample.mul(t.alpha() / s1.alpha()).sub(d0.mul(c));
            return mid ? x.sub(d1.mul(0.5f * c)) : x.sub(d1.mul(t.sigma() * ((VpMath.exp(h) - 1.0f) / h - 1.0f)));
        }

        private NDArray thirdOrder(NDArray sample) {
            Point t = at(stepIndex + 1);
            Point s2 = at(stepIndex - 2);
            Point s0 = at(stepIndex);
            Point s1 = at(stepIndex - 1);
            NDArray m0 = m(1);
            NDArray m1 = m(2);
            NDArray m2 = m(3);
            float h = t.lambda() - s2.lambda();
            float h0 = s0.lambda() - s2.lambda();
            float h1 = s1.lambda() - s2.lambda();
            float r0 = h0 / h;
            float r1 = h1 / h;
            NDArray d0 = m2;
            NDArray d10 = m1.sub(m2).mul(1.0f / r1);
            NDArray d11 = m0.sub(m2).mul(1.0f / r0);
            NDArray d1 = d10.mul(r0).sub(d11.mul(r1)).div(r0 - r1);
            NDArray d2 = d11.sub(d10).mul(2.0f).div(r0 - r1);
            boolean mid = "midpoint".equals(solverType);
            if ("dpmsolver++".equals(algorithm)) {
                float e = VpMath.exp(-h) - 1.0f;
                NDArray x = sample.mul(t.sigma() / s2.sigma()).sub(d0.mul(t.alpha() * e));
                if (mid) {
                    return x.add(d11.mul(t.alpha() * (e / h + 1.0f)));
                }
                return x.add(d1.mul(t.alpha() * (e / h + 1.0f)))
                        .sub(d2.mul(t.alpha() * ((VpMath.exp(-h) - 1.0f + h) / (h * h) - 0.5f)));
            }
            float e = VpMath.exp(h) - 1.0f;
            NDArray x = sample.mul(t.alpha() / s2.alpha()).sub(d0.mul(t.sigma() * e));
            if (mid) {
                return x.sub(d11.mul(t.sigma() * (e / h - 1.0f)));
            }
            return x.sub(d1.mul(t.sigma() * (e / h - 1.0f)))
                    .sub(d2.mul(t.sigma() * ((VpMath.exp(h) - 1.0f - h) / (h * h) - 0.5f)));
        }

        @Override
        public void close() {
            blockSample = null;
            super.close();
        }
    }
}
