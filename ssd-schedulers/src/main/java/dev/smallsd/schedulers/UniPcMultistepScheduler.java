package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Port of diffusers' {@code UniPCMultistepScheduler}: unified predictor–corrector (UniP-p / UniC-p, B(h) variants
 * bh1 / bh2) over sigmas ending at σ_min.
 */
public final class UniPcMultistepScheduler extends BaseScheduler {

    static final SchedulerClass CLASS = new SchedulerClass("UniPCMultistepScheduler",
            UniPcMultistepScheduler::defaults, UniPcMultistepScheduler::new);

    static Map<String, Object> defaults() {
        return ConfigDefaults.solver(
                "predict_x0", true, "solver_type", "bh2", "lower_order_final", true,
                "disable_corrector", ConfigDefaults.emptyList(), "solver_p", null, "use_karras_sigmas", false,
                "timestep_spacing", "linspace", "steps_offset", 0);
    }

    private final int solverOrder;
    private final boolean predictX0;
    private final boolean bh1;
    private final Set<Integer> disableCorrector = new HashSet<>();

    UniPcMultistepScheduler(SchedulerConfig config) {
        // diffusers maps the other solvers' types to bh2, so schedulers can be switched
        super(ConfigDefaults.mapValue(config, "solver_type", "bh2", List.of("midpoint", "heun", "logrho"),
                List.of("bh1")));
        if (this.config.get("solver_p") != null) {
            throw NoiseSchedules.unsupported("solver_p", this.config.get("solver_p"));
        }
        this.bh1 = "bh1".equals(this.config.getString("solver_type"));
        this.predictX0 = this.config.getBoolean("predict_x0");
        this.solverOrder = ConfigDefaults.solverOrder(this.config, Integer.MAX_VALUE);
        if (this.config.get("disable_corrector") instanceof List<?> list) {
            for (Object v : list) {
                disableCorrector.add(((Number) v).intValue());
            }
        }
    }

    @Override
    protected SchedulerRun createRun(int numInferenceSteps) {
        return new Run(multistepSchedule(numInferenceSteps));
    }

    /** One UniPC generation. */
    final class Run extends VpSchedulerRun {
        private int thisOrder;
        private NDArray lastSample;

        Run(VpSchedule schedule) {
            super(schedule, solverOrder);
        }

        @Override
        public StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions o, NoiseSource noise) {
            ensureStepIndex(t);
            boolean useCorrector =
                    stepIndex > 0 && !disableCorrector.contains(stepIndex - 1) && lastSample != null;
            NDArray dropped = null;
            NDArray oldLast = null;
            try (Scope s = new Scope(sample, modelOutput, lastSample)) {
                historyIn(s);
                NDArray converted = predictX0
                        ? x0FromEpsilon(sample, modelOutput, sigmas[stepIndex])
                        : modelOutput.duplicate();
                NDArray x = sample;
                if (useCorrector) {
                    x = corrector(converted, lastSample, sample, thisOrder);
                }
                dropped = pushModelOutput(s, converted);
                int order = config.getBoolean("lower_order_final")
                        ? Math.min(solverOrder, timesteps.length - stepIndex)
                        : solverOrder;
                thisOrder = Math.min(order, lowerOrderNums + 1);
                oldLast = lastSample;
                lastSample = x == sample ? s.keepCopy(x) : s.keep(x.duplicate());
                NDArray prev = predictor(x, thisOrder);
                countLowerOrderStep();
                stepIndex++;
                return new StepResult(s.out(prev), null);
            } finally {
                release(dropped);
                release(oldLast);
            }
        }

        /** Solves the small linear system R·ρ = b (Gaussian elimination with partial pivoting, in double). */
        private double[] solve(double[][] a, double[] b) {
            int n = b.length;
            double[][] m = new double[n][n + 1];
            for (int i = 0; i < n; i++) {
                System.arraycopy(a[i], 0, m[i], 0, n);
                m[i][n] = b[i];
            }
            for (int c = 0; c < n; c++) {
                int p = c;
                for (int r = c + 1; r < n; r++) {
                    if (Math.abs(m[r][c]) > Math.abs(m[p][c])) {
                        p = r;
                    }
                }
                double[] tmp = m[c];
                m[c] = m[p];
                m[p] = tmp;
                for (int r = c + 1; r < n; r++) {
                    double f = m[r][c] / m[c][c];
                    for (int k = c; k <= n; k++) {
                        m[r][k] -= f * m[c][k];
                    }
                }
            }
            double[] x = new double[n];
            for (int r = n - 1; r >= 0; r--) {
                double v = m[r][n];
                for (int k = r + 1; k < n; k++) {
                    v -= m[r][k] * x[k];
                }
                x[r] = v / m[r][r];
            }
            return x;
        }

        /** The B(h)-weighted right-hand side b and matrix R of UniPC for the given rks. */
        private double[][] system(float[] rks, float hh, int order, float[] bOut) {
            float hPhi1 = VpMath.expm1(hh);
            float hPhiK = hPhi1 / hh - 1;
            int factorial = 1;
            float bH = bh1 ? hh : VpMath.expm1(hh);
            double[][] r = new double[order][rks.length];
            for (int i = 1; i <= order; i++) {
                for (int k = 0; k < rks.length; k++) {
                    r[i - 1][k] = (float) Math.pow(rks[k], i - 1);
                }
                bOut[i - 1] = hPhiK * factorial / bH;
                factorial *= i + 1;
                hPhiK = hPhiK / hh - 1.0f / factorial;
            }
            return r;
        }

        private NDArray predictor(NDArray x, int order) {
            Point t = at(stepIndex + 1);
            float sT = sigmas[stepIndex + 1];
            Point s0 = at(stepIndex);
            float h = VpMath.lambda(sT) - s0.lambda();
            NDArray m0 = m(1);
            float[] rks = new float[order];
            NDArray[] d1s = new NDArray[order - 1];
            for (int i = 1; i < order; i++) {
                int si = stepIndex - i;
                NDArray mi = m(i + 1);
                float rk = (VpMath.lambda(sigmas[si]) - s0.lambda()) / h;
                rks[i - 1] = rk;
                d1s[i - 1] = mi.sub(m0).div(rk);
            }
            rks[order - 1] = 1.0f;
            float hh = predictX0 ? -h : h;
            float hPhi1 = VpMath.expm1(hh);
            float bH = bh1 ? hh : VpMath.expm1(hh);
            NDArray predRes = null;
            if (order > 1) {
                float[] rhos;
                if (order == 2) {
                    rhos = new float[] {0.5f};
                } else {
                    float[] b = new float[order];
                    double[][] r = system(rks, hh, order, b);
                    double[][] sub = new double[order - 1][order - 1];
                    double[] bSub = new double[order - 1];
                    for (int i = 0; i < order - 1; i++) {
                        System.arraycopy(r[i], 0, sub[i], 0, order - 1);
                        bSub[i] = b[i];
                    }
                    double[] sol = solve(sub, bSub);
                    rhos = new float[sol.length];
                    for (int i = 0; i < sol.length; i++) {
                        rhos[i] = (float) sol[i];
                    }
                }
                for (int k = 0; k < d1s.length; k++) {
                    NDArray term = d1s[k].mul(rhos[k]);
                    predRes = predRes == null ? term : predRes.add(term);
                }
            }
            NDArray xt;
            if (predictX0) {
                xt = x.mul(t.sigma() / s0.sigma()).sub(m0.mul(t.alpha() * hPhi1));
                if (predRes != null) {
                    xt = xt.sub(predRes.mul(t.alpha() * bH));
                }
            } else {
                xt = x.mul(t.alpha() / s0.alpha()).sub(m0.mul(t.sigma() * hPhi1));
                if (predRes != null) {
                    xt = xt.sub(predRes.mul(t.sigma() * bH));
                }
            }
            return xt;
        }

        private NDArray corrector(NDArray modelT, NDArray last, NDArray thisSample, int order) {
            Point t = at(stepIndex);
            float sT = sigmas[stepIndex];
            Point s0 = at(stepIndex - 1);
            float h = VpMath.lambda(sT) - s0.lambda();
            NDArray m0 = m(1);
            float[] rks = new float[order];
            NDArray[] d1s = new NDArray[order - 1];
            for (int i = 1; i < order; i++) {
                int si = stepIndex - (i + 1);
                NDArray mi = m(i + 1);
                float rk = (VpMath.lambda(sigmas[si]) - s0.lambda()) / h;
                rks[i - 1] = rk;
                d1s[i - 1] = mi.sub(m0).div(rk);
            }
            rks[order - 1] = 1.0f;
            float hh = predictX0 ? -h : h;
            float hPhi1 = VpMath.expm1(hh);
            float bH = bh1 ? hh : VpMath.expm1(hh);
            float[] rhos;
            if (order == 1) {
                rhos = new float[] {0.5f};
            } else {
                float[] b = new float[order];
                double[][] r = system(rks, hh, order, b);
                double[] bd = new double[order];
                for (int i = 0; i < order; i++) {
                    bd[i] = b[i];
                }
                double[] sol = solve(r, bd);
                rhos = new float[order];
                for (int i = 0; i < order; i++) {
                    rhos[i] = (float) sol[i];
                }
            }
            NDArray corrRes = null;
            for (int k = 0; k < d1s.length; k++) {
                NDArray term = d1s[k].mul(rhos[k]);
                corrRes = corrRes == null ? term : corrRes.add(term);
            }
            NDArray d1t = modelT.sub(m0);
            NDArray inner = d1t.mul(rhos[rhos.length - 1]);
            inner = corrRes == null ? inner : corrRes.add(inner);
            if (predictX0) {
                NDArray xt = last.mul(t.sigma() / s0.sigma()).sub(m0.mul(t.alpha() * hPhi1));
                return xt.sub(inner.mul(t.alpha() * bH));
            }
            NDArray xt = last.mul(t.alpha() / s0.alpha()).sub(m0.mul(t.sigma() * hPhi1));
            return xt.sub(inner.mul(t.sigma() * bH));
        }

        @Override
        public void close() {
            lastSample = null;
            super.close();
        }
    }
}
