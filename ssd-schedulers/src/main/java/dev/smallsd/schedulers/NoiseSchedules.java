package dev.smallsd.schedulers;

import java.util.Locale;

/**
 * Shared schedule math (betas, ᾱ products, sigma tables, interpolation, Karras sigmas, sigma → t), reproducing the
 * float32 / float64 choices of diffusers, torch and numpy so results match the reference bit for bit or nearly.
 */
final class NoiseSchedules {

    private NoiseSchedules() {}

    /**
     * The betas of a config: {@code trained_betas} if set, else {@code beta_schedule} over {@code beta_start ..
     * beta_end} (float32, as torch computes them).
     */
    static float[] betas(SchedulerConfig c) {
        int n = c.getInt("num_train_timesteps");
        double[] trained = c.getDoubleArray("trained_betas");
        if (trained != null) {
            float[] out = new float[trained.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) trained[i];
            }
            return out;
        }
        String schedule = c.getString("beta_schedule");
        double start = c.getDouble("beta_start");
        double end = c.getDouble("beta_end");
        switch (schedule == null ? "" : schedule) {
            case "linear":
                return torchLinspaceF32(start, end, n);
            case "scaled_linear": {
                float[] b = torchLinspaceF32(Math.sqrt(start), Math.sqrt(end), n);
                for (int i = 0; i < n; i++) {
                    b[i] = b[i] * b[i];
                }
                return b;
            }
            case "squaredcos_cap_v2":
                return cosineBetas(n, 0.999);
            default:
                throw new IllegalArgumentException(
                        "beta_schedule '" + schedule + "' is not supported (linear, scaled_linear, squaredcos_cap_v2)");
        }
    }

    /** Glide's cosine schedule ({@code betas_for_alpha_bar}, cosine transform), computed in double, stored float32. */
    static float[] cosineBetas(int n, double maxBeta) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n;
            double t2 = (double) (i + 1) / n;
            out[i] = (float) Math.min(1 - alphaBar(t2) / alphaBar(t1), maxBeta);
        }
        return out;
    }

    private static double alphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /**
     * torch.linspace(start, end, steps, dtype=float32) as torch's CPU kernel computes it on an AVX2 build: vectors
     * of 8 lanes, each starting from a fused multiply-add from the nearer end ({@code start + step·idx} below the
     * middle, {@code end − step·(steps − idx − 1)} above), then adding {@code k·step} per lane. This reproduces
     * diffusers' float32 betas bit for bit (checked against the fixtures' {@code common.safetensors}).
     */
    static float[] torchLinspaceF32(double startD, double endD, int steps) {
        float[] out = new float[steps];
        if (steps == 1) {
            out[0] = (float) startD;
            return out;
        }
        final int lanes = 8;
        float start = (float) startD;
        float end = (float) endD;
        float step = (end - start) / (float) (steps - 1);
        int halfway = steps / 2;
        int vectorized = steps / lanes * lanes;
        for (int idx = 0; idx < vectorized; idx += lanes) {
            float base = idx < halfway
                    ? Math.fma(step, (float) idx, start)
                    : Math.fma(-step, (float) (steps - idx - 1), end);
            for (int k = 0; k < lanes; k++) {
                out[idx + k] = base + (float) k * step;
            }
        }
        for (int i = vectorized; i < steps; i++) {
            out[i] = i < halfway ? Math.fma(step, (float) i, start) : Math.fma(-step, (float) (steps - i - 1), end);
        }
        return out;
    }

    /** ᾱ = cumprod(1 − β) as torch does on CPU (double accumulator, float32 results). */
    static float[] alphasCumprod(float[] betas) {
        float[] out = new float[betas.length];
        double acc = 1.0;
        for (int i = 0; i < betas.length; i++) {
            float alpha = 1.0f - betas[i];
            acc *= alpha;
            out[i] = (float) acc;
        }
        return out;
    }

    /** σ = ((1 − ᾱ) / ᾱ) ** 0.5 in float32 over the whole training schedule. */
    static float[] trainSigmas(float[] alphasCumprod) {
        float[] out = new float[alphasCumprod.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = sigmaOf(alphasCumprod[i]);
        }
        return out;
    }

    /** σ of one ᾱ in float32. */
    static float sigmaOf(float alphaCumprod) {
        float q = (1.0f - alphaCumprod) / alphaCumprod;
        return (float) Math.sqrt(q);
    }

    /** np.log of a float32 array (float32 result). */
    static float[] logF32(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) Math.log(x[i]);
        }
        return out;
    }

    /** numpy.linspace(start, stop, num, endpoint) in float64. */
    static double[] npLinspace(double start, double stop, int num, boolean endpoint) {
        double[] out = new double[num];
        if (num == 0) {
            return out;
        }
        int div = endpoint ? num - 1 : num;
        if (div == 0) {
            out[0] = start;
            return out;
        }
        double step = (stop - start) / div;
        for (int i = 0; i < num; i++) {
            out[i] = i * step + start;
        }
        if (endpoint && num > 1) {
            out[num - 1] = stop;
        }
        return out;
    }

    /** numpy.interp(x, arange(len(fp)), fp) with float32 table values, float64 result. */
    static double[] interp(double[] x, float[] fp) {
        double[] out = new double[x.length];
        int last = fp.length - 1;
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (Double.isNaN(v)) {
                out[i] = v;
            } else if (v >= last) {
                out[i] = fp[last];
            } else if (v <= 0) {
                out[i] = fp[0];
            } else {
                int j = (int) Math.floor(v);
                if (j == v) {
                    out[i] = fp[j];
                } else {
                    double slope = ((double) fp[j + 1] - (double) fp[j]) / 1.0;
                    double r = slope * (v - j) + fp[j];
                    if (Double.isNaN(r)) {
                        r = slope * (v - (j + 1)) + fp[j + 1];
                    }
                    out[i] = r;
                }
            }
        }
        return out;
    }

    /** Karras et al. (2022) sigmas, rho 7, float64 (diffusers' {@code _convert_to_karras}). */
    static double[] karras(double sigmaMin, double sigmaMax, int n) {
        double rho = 7.0;
        double[] ramp = npLinspace(0, 1, n, true);
        double minInvRho = Math.pow(sigmaMin, 1 / rho);
        double maxInvRho = Math.pow(sigmaMax, 1 / rho);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = Math.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
        }
        return out;
    }

    /** diffusers' numpy {@code _sigma_to_t}: float64 sigma against float32 log-sigmas, float64 result. */
    static double sigmaToT(double sigma, float[] logSigmas) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        int lowIdx = 0;
        for (int i = 0; i < logSigmas.length; i++) {
            if (logSigma - logSigmas[i] >= 0) {
                lowIdx = i;
            }
        }
        lowIdx = Math.min(lowIdx, logSigmas.length - 2);
        int highIdx = lowIdx + 1;
        float low = logSigmas[lowIdx];
        float high = logSigmas[highIdx];
        double w = (low - logSigma) / (double) (low - high);
        w = Math.min(Math.max(w, 0.0), 1.0);
        return (1 - w) * lowIdx + w * highIdx;
    }

    /** The same interpolation evaluated in float32 throughout (KDPM2 passes torch float32 sigmas). */
    static float sigmaToTF32(float sigma, float[] logSigmas) {
        float logSigma = (float) Math.log(Math.max(sigma, 1e-10f));
        int lowIdx = 0;
        for (int i = 0; i < logSigmas.length; i++) {
            if (logSigma - logSigmas[i] >= 0) {
                lowIdx = i;
            }
        }
        lowIdx = Math.min(lowIdx, logSigmas.length - 2);
        int highIdx = lowIdx + 1;
        float low = logSigmas[lowIdx];
        float high = logSigmas[highIdx];
        float w = (low - logSigma) / (low - high);
        if (!Float.isNaN(w)) {
            w = Math.min(Math.max(w, 0f), 1f);
        }
        return (1f - w) * (float) lowIdx + w * (float) highIdx;
    }

    /** torch.lerp(a, b, 0.5) in float32 (weight ≥ 0.5 branch: b − (b − a)·0.5). */
    static float lerpHalf(float a, float b) {
        return b - (b - a) * 0.5f;
    }

    /** Widens float32 values. */
    static double[] widen(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }

    /** Rounds to float32 and widens back, element-wise ({@code astype(float32)}). */
    static double[] toF32(double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) x[i];
        }
        return out;
    }

    /** numpy round-half-to-even. */
    static double npRound(double x) {
        return Math.rint(x);
    }

    /** Reversed copy. */
    static double[] reversed(double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[x.length - 1 - i];
        }
        return out;
    }

    /**
     * Integer timesteps of the DPM / UniPC / DEIS family for a {@code timestep_spacing}.
     *
     * @param lastTimestep the number of usable training timesteps (after lambda clipping)
     */
    static double[] multistepTimesteps(SchedulerConfig c, int n, int numTrain, int lastTimestep) {
        String spacing = c.has("timestep_spacing") ? c.getString("timestep_spacing") : "linspace";
        double[] ts;
        switch (spacing) {
            case "linspace": {
                double[] lin = npLinspace(0, lastTimestep - 1, n + 1, true);
                ts = new double[n];
                for (int i = 0; i < n; i++) {
                    ts[i] = npRound(lin[n - i]);
                }
                return ts;
            }
            case "leading": {
                int stepRatio = lastTimestep / (n + 1);
                int offset = c.getInt("steps_offset");
                ts = new double[n];
                for (int i = 0; i < n; i++) {
                    ts[i] = (double) (n - i) * stepRatio + offset;
                }
                return ts;
            }
            case "trailing": {
                double stepRatio = (double) numTrain / n;
                double[] ar = npArangeDown(lastTimestep, stepRatio);
                for (int i = 0; i < ar.length; i++) {
                    ar[i] = npRound(ar[i]) - 1;
                }
                return ar;
            }
            default:
                throw unsupported("timestep_spacing", spacing);
        }
    }

    /**
     * Float32 timesteps of the Euler / Heun / LMS / KDPM2 family (numpy, cast to float32) for a
     * {@code timestep_spacing}.
     */
    static double[] sigmaFamilyTimesteps(SchedulerConfig c, int n, int numTrain) {
        String spacing = c.getString("timestep_spacing");
        double[] ts = new double[n];
        switch (spacing) {
            case "linspace": {
                double[] lin = npLinspace(0, numTrain - 1, n, true);
                for (int i = 0; i < n; i++) {
                    ts[i] = (float) lin[n - 1 - i];
                }
                return ts;
            }
            case "leading": {
                int stepRatio = numTrain / n;
                int offset = c.getInt("steps_offset");
                for (int i = 0; i < n; i++) {
                    ts[i] = (float) ((double) (n - 1 - i) * stepRatio) + (float) offset;
                }
                return ts;
            }
            case "trailing": {
                double stepRatio = (double) numTrain / n;
                double[] ar = npArangeDown(numTrain, stepRatio);
                for (int i = 0; i < ar.length; i++) {
                    ar[i] = (float) npRound(ar[i]) - 1f;
                }
                return ar;
            }
            default:
                throw unsupported("timestep_spacing", spacing);
        }
    }

    /** Integer timesteps of DDIM / DDPM for a {@code timestep_spacing} (descending). */
    static double[] alphaFamilyTimesteps(SchedulerConfig c, int n, int numTrain) {
        String spacing = c.getString("timestep_spacing");
        double[] ts = new double[n];
        switch (spacing) {
            case "linspace": {
                double[] lin = npLinspace(0, numTrain - 1, n, true);
                for (int i = 0; i < n; i++) {
                    ts[i] = npRound(lin[n - 1 - i]);
                }
                return ts;
            }
            case "leading": {
                int ratio = numTrain / n;
                int offset = c.getInt("steps_offset");
                for (int i = 0; i < n; i++) {
                    ts[i] = (double) (n - 1 - i) * ratio + offset;
                }
                return ts;
            }
            case "trailing": {
                double[] ar = npArangeDown(numTrain, (double) numTrain / n);
                for (int i = 0; i < ar.length; i++) {
                    ar[i] = npRound(ar[i]) - 1;
                }
                return ar;
            }
            default:
                throw unsupported("timestep_spacing", spacing);
        }
    }

    /** numpy.arange(start, 0, -step) in float64. */
    static double[] npArangeDown(double start, double step) {
        int count = (int) Math.ceil(start / step);
        double[] out = new double[Math.max(count, 0)];
        for (int i = 0; i < out.length; i++) {
            out[i] = start + i * -step;
        }
        return out;
    }

    static UnsupportedOperationException unsupported(String key, Object value) {
        return new UnsupportedOperationException(
                String.format(Locale.ROOT, "%s = %s is not supported by this port", key, value));
    }
}
