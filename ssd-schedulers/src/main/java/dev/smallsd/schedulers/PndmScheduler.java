package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Port of diffusers' {@code PNDMScheduler}: pseudo numerical methods (Runge–Kutta warm-up, or PLMS with
 * {@code skip_prk_steps}) followed by linear multistep (Adams–Bashforth) steps.
 */
public final class PndmScheduler extends BaseScheduler {

    static final SchedulerClass CLASS = new SchedulerClass("PNDMScheduler",
            PndmScheduler::defaults, PndmScheduler::new);

    static Map<String, Object> defaults() {
        return ConfigDefaults.of(0.0001, 0.02, "linear",
                "skip_prk_steps", false, "set_alpha_to_one", false, "prediction_type", "epsilon",
                "timestep_spacing", "leading", "steps_offset", 0);
    }

    PndmScheduler(SchedulerConfig config) {
        super(config);
    }

    @Override
    protected SchedulerRun createRun(int numInferenceSteps) {
        return new Run(numInferenceSteps);
    }

    private double[] baseTimesteps(int n) {
        String spacing = config.getString("timestep_spacing");
        double[] ts = new double[n];
        switch (spacing) {
            case "linspace": {
                double[] lin = NoiseSchedules.npLinspace(0, numTrain - 1, n, true);
                for (int i = 0; i < n; i++) {
                    ts[i] = NoiseSchedules.npRound(lin[i]);
                }
                return ts;
            }
            case "leading": {
                int ratio = numTrain / n;
                int offset = config.getInt("steps_offset");
                for (int i = 0; i < n; i++) {
                    ts[i] = (double) i * ratio + offset;
                }
                return ts;
            }
            case "trailing": {
                double[] ar = NoiseSchedules.npArangeDown(numTrain, (double) numTrain / n);
                double[] out = new double[ar.length];
                for (int i = 0; i < ar.length; i++) {
                    out[i] = NoiseSchedules.npRound(ar[ar.length - 1 - i]) - 1;
                }
                return out;
            }
            default:
                throw NoiseSchedules.unsupported("timestep_spacing", spacing);
        }
    }

    /** One PNDM generation. */
    final class Run extends AbstractSchedulerRun {
        private final double[] prkTimesteps;
        private final int n;
        private int counter;
        private final Deque<NDArray> ets = new ArrayDeque<>();
        private int etsCount;
        private NDArray curSample;
        private NDArray curModelOutput;

        Run(int n) {
            this(n, schedule(n));
        }

        private Run(int n, double[][] sched) {
            super(sched[1], true, n, 1, false);
            this.n = n;
            this.prkTimesteps = sched[0];
        }

        @Override
        public Map<String, double[]> extraSchedules() {
            return finalAlphaSchedule();
        }

        @Override
        public StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions o, NoiseSource noise) {
            int timestep = intTimestep(t);
            if (counter < prkTimesteps.length && !config.getBoolean("skip_prk_steps")) {
                return stepPrk(modelOutput, timestep, sample);
            }
            return stepPlms(modelOutput, timestep, sample);
        }

        private StepResult stepPrk(NDArray modelOutput, int timestep, NDArray sample) {
            int diffToPrev = counter % 2 != 0 ? 0 : numTrain / n / 2;
            int prevTimestep = timestep - diffToPrev;
            int ts = (int) prkTimesteps[counter / 4 * 4];
            NDArray old = null;
            try (Scope s = new Scope(sample, modelOutput, curSample, curModelOutput)) {
                NDArray mo = modelOutput;
                if (counter % 4 == 0) {
                    NDArray add = modelOutput.mul((float) (1.0 / 6));
                    old = curModelOutput;
                    curModelOutput = s.keep(curModelOutput == null ? add : curModelOutput.add(add));
                    pushEts(s.keepCopy(modelOutput));
                    release(curSample);
                    curSample = s.keepCopy(sample);
                } else if ((counter - 1) % 4 == 0 || (counter - 2) % 4 == 0) {
                    old = curModelOutput;
                    curModelOutput = s.keep(curModelOutput.add(modelOutput.mul((float) (1.0 / 3))));
                } else {
                    mo = curModelOutput.add(modelOutput.mul((float) (1.0 / 6)));
                    old = curModelOutput;
                    curModelOutput = null;
                }
                NDArray cur = curSample != null ? curSample : sample;
                NDArray prev = prevSample(cur, ts, prevTimestep, mo);
                counter++;
                return new StepResult(s.out(prev), null);
            } finally {
                release(old);
            }
        }

        private StepResult stepPlms(NDArray modelOutput, int timestep, NDArray sample) {
            if (!config.getBoolean("skip_prk_steps") && etsCount < 3) {
                throw new IllegalStateException("PLMS steps need at least 3 Runge-Kutta warm-up model outputs");
            }
            int prevTimestep = timestep - numTrain / n;
            NDArray toRelease = null;
            try (Scope s = new Scope(sample, modelOutput, curSample)) {
                for (NDArray e : ets) {
                    s.in(e);
                }
                if (counter != 1) {
                    toRelease = pushEts(s.keepCopy(modelOutput));
                } else {
                    prevTimestep = timestep;
                    timestep = timestep + numTrain / n;
                }
                NDArray[] e = ets.toArray(new NDArray[0]); // newest first
                NDArray mo;
                NDArray x = sample;
                if (etsCount == 1 && counter == 0) {
                    mo = modelOutput;
                    release(curSample);
                    curSample = s.keepCopy(sample);
                } else if (etsCount == 1 && counter == 1) {
                    mo = modelOutput.add(e[0]).div(2f);
                    x = curSample;
                } else if (etsCount == 2) {
                    mo = e[0].mul(3f).sub(e[1]).div(2f);
                } else if (etsCount == 3) {
                    mo = e[0].mul(23f).sub(e[1].mul(16f)).add(e[2].mul(5f)).div(12f);
                } else {
                    mo = e[0].mul(55f).sub(e[1].mul(59f)).add(e[2].mul(37f)).sub(e[3].mul(9f))
                            .mul((float) (1.0 / 24));
                }
                NDArray prev = prevSample(x, timestep, prevTimestep, mo);
                if (etsCount == 1 && counter == 1) {
                    toRelease = curSample;
                    curSample = null;
                }
                counter++;
                return new StepResult(s.out(prev), null);
            } finally {
                release(toRelease);
            }
        }

        /** Adds a model output to the history, keeping the last four; returns the dropped one. */
        private NDArray pushEts(NDArray e) {
            ets.addFirst(e);
            etsCount++;
            return ets.size() > 4 ? ets.removeLast() : null;
        }

        private NDArray prevSample(NDArray sample, int timestep, int prevTimestep, NDArray modelOutput) {
            float a = alphasCumprod[timestep];
            float ap = prevTimestep >= 0 ? alphasCumprod[prevTimestep] : finalAlphaCumprod();
            float b = 1.0f - a;
            float bp = 1.0f - ap;
            float sampleCoeff = (float) Math.sqrt(ap / a);
            float denom = a * (float) Math.sqrt(bp) + (float) Math.sqrt(a * b * ap);
            return sample.mul(sampleCoeff).sub(modelOutput.mul(ap - a).div(denom));
        }

        @Override
        public NDArray addNoise(NDArray original, NDArray noise, double[] ts) {
            return addNoiseWithAlphas(alphasCumprod, original, noise, ts);
        }

        @Override
        public void close() {
            ets.clear();
            curSample = null;
            curModelOutput = null;
            super.close();
        }
    }

    private double[][] schedule(int n) {
        double[] base = baseTimesteps(n);
        int len = base.length;
        double[] prk;
        double[] plms;
        if (config.getBoolean("skip_prk_steps")) {
            prk = new double[0];
            // concat(base[:-1], base[-2:-1], base[-1:]) reversed
            List<Double> l = new ArrayList<>();
            for (int i = 0; i < len - 1; i++) {
                l.add(base[i]);
            }
            if (len >= 2) {
                l.add(base[len - 2]);
            }
            l.add(base[len - 1]);
            plms = new double[l.size()];
            for (int i = 0; i < plms.length; i++) {
                plms[i] = l.get(l.size() - 1 - i);
            }
        } else {
            int order = 4;
            int half = numTrain / n / 2;
            int k = Math.min(order, len);
            double[] tail = new double[2 * k];
            for (int i = 0; i < k; i++) {
                double v = base[len - k + i];
                tail[2 * i] = v;
                tail[2 * i + 1] = v + half;
            }
            // prk_timesteps[:-1].repeat(2)[1:-1], reversed
            int m = tail.length - 1;
            double[] rep = new double[2 * m];
            for (int i = 0; i < m; i++) {
                rep[2 * i] = tail[i];
                rep[2 * i + 1] = tail[i];
            }
            prk = new double[Math.max(rep.length - 2, 0)];
            for (int i = 0; i < prk.length; i++) {
                prk[i] = rep[rep.length - 2 - i];
            }
            int plen = Math.max(len - 3, 0);
            plms = new double[plen];
            for (int i = 0; i < plen; i++) {
                plms[i] = base[plen - 1 - i];
            }
        }
        double[] all = new double[prk.length + plms.length];
        System.arraycopy(prk, 0, all, 0, prk.length);
        System.arraycopy(plms, 0, all, prk.length, plms.length);
        return new double[][] {prk, all};
    }
}
