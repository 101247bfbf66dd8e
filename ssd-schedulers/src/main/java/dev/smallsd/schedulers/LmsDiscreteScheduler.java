package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Port of diffusers' {@code LMSDiscreteScheduler}: linear multistep (order 4) over sigmas, with integration
 * coefficients of the Lagrange basis polynomials (computed exactly by Gauss–Legendre quadrature, where diffusers
 * uses {@code scipy.integrate.quad}).
 */
public final class LmsDiscreteScheduler extends BaseScheduler {

    static final SchedulerClass CLASS = new SchedulerClass("LMSDiscreteScheduler",
            LmsDiscreteScheduler::defaults, LmsDiscreteScheduler::new);
    private static final int ORDER = 4;

    static Map<String, Object> defaults() {
        return ConfigDefaults.of(0.0001, 0.02, "linear",
                "use_karras_sigmas", false, "prediction_type", "epsilon", "timestep_spacing", "linspace",
                "steps_offset", 0);
    }

    private static final double[] GL_X = {-Math.sqrt(3.0 / 5.0), 0.0, Math.sqrt(3.0 / 5.0)};
    private static final double[] GL_W = {5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0};

    LmsDiscreteScheduler(SchedulerConfig config) {
        super(config);
    }

    @Override
    protected SchedulerRun createRun(int numInferenceSteps) {
        SigmaSchedule schedule = sigmaSchedule(numInferenceSteps, false);
        return new Run(schedule.timesteps(), schedule.withZero(), numInferenceSteps);
    }

    /** One LMS generation. */
    final class Run extends SigmaSchedulerRun {
        private final Deque<NDArray> derivatives = new ArrayDeque<>();
        private final List<Double> coefficientLog = new ArrayList<>();

        Run(double[] ts, float[] sigmas, int n) {
            super(ts, sigmas, n, 1, config.getString("timestep_spacing"));
        }

        @Override
        public Map<String, double[]> extraSchedules() {
            double[] c = new double[coefficientLog.size()];
            for (int i = 0; i < c.length; i++) {
                c[i] = coefficientLog.get(i);
            }
            return Map.of("lms_coefficients", c);
        }

        /** ∫ over [σ_t, σ_{t+1}] of the Lagrange basis polynomial of {@code current} among the last points. */
        double coefficient(int order, int t, int current) {
            double a = sigmas[t];
            double b = sigmas[t + 1];
            double half = (b - a) / 2;
            double mid = (a + b) / 2;
            double sum = 0;
            for (int q = 0; q < GL_X.length; q++) {
                double tau = half * GL_X[q] + mid;
                double prod = 1.0;
                for (int k = 0; k < order; k++) {
                    if (k == current) {
                        continue;
                    }
                    prod *= (tau - sigmas[t - k]) / ((double) sigmas[t - current] - sigmas[t - k]);
                }
                sum += GL_W[q] * prod;
            }
            return half * sum;
        }

        @Override
        public StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions o, NoiseSource noise) {
            ensureStepIndex(t);
            float sigma = sigmas[stepIndex];
            NDArray dropped = null;
            try (Scope s = new Scope(sample, modelOutput)) {
                for (NDArray d : derivatives) {
                    s.in(d);
                }
                NDArray predOriginal = sample.sub(modelOutput.mul(sigma));
                NDArray derivative = sample.sub(predOriginal).div(sigma);
                derivatives.addLast(s.keep(derivative.duplicate()));
                if (derivatives.size() > ORDER) {
                    dropped = derivatives.removeFirst();
                }
                int order = Math.min(stepIndex + 1, ORDER);
                double[] coeffs = new double[order];
                for (int c = 0; c < order; c++) {
                    coeffs[c] = coefficient(order, stepIndex, c);
                    coefficientLog.add(coeffs[c]);
                }
                NDArray acc = null;
                Iterator<NDArray> newestFirst = derivatives.descendingIterator();
                for (int c = 0; c < order && newestFirst.hasNext(); c++) {
                    NDArray term = newestFirst.next().mul((float) coeffs[c]);
                    acc = acc == null ? term : acc.add(term);
                }
                NDArray prev = sample.add(acc);
                stepIndex++;
                return new StepResult(s.out(prev), s.out(predOriginal));
            } finally {
                release(dropped);
            }
        }

        @Override
        public void close() {
            derivatives.clear();
            super.close();
        }
    }
}
