package dev.smallsd.schedulers;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the constructor defaults of a diffusers scheduler class, in signature order. */
final class ConfigDefaults {

    private ConfigDefaults() {}

    /** Betas keys shared by all classes, then the given key/value pairs. */
    static Map<String, Object> of(double betaStart, double betaEnd, String betaSchedule, Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_train_timesteps", 1000);
        m.put("beta_start", betaStart);
        m.put("beta_end", betaEnd);
        m.put("beta_schedule", betaSchedule);
        m.put("trained_betas", null);
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * The keys the multistep/singlestep solvers (DPM-Solver, DEIS, UniPC) all start with — linear betas from 1e-4 to
     * 0.02, {@code solver_order} 2, epsilon prediction, no thresholding — then the given key/value pairs.
     */
    static Map<String, Object> solver(Object... keyValues) {
        Object[] all = new Object[keyValues.length + 10];
        System.arraycopy(new Object[] {"solver_order", 2, "prediction_type", "epsilon", "thresholding", false,
            "dynamic_thresholding_ratio", 0.995, "sample_max_value", 1.0}, 0, all, 0, 10);
        System.arraycopy(keyValues, 0, all, 10, keyValues.length);
        return of(0.0001, 0.02, "linear", all);
    }

    /** An empty list value. */
    static List<Object> emptyList() {
        return List.of();
    }

    /** Rejects settings this port does not implement (prediction types other than epsilon, thresholding, ...). */
    static void requireSupported(SchedulerConfig c) {
        if (c.has("prediction_type") && !"epsilon".equals(c.getString("prediction_type"))) {
            throw NoiseSchedules.unsupported("prediction_type", c.getString("prediction_type"));
        }
        if (c.has("thresholding") && c.getBoolean("thresholding")) {
            throw NoiseSchedules.unsupported("thresholding", true);
        }
        if (c.has("rescale_betas_zero_snr") && c.getBoolean("rescale_betas_zero_snr")) {
            throw NoiseSchedules.unsupported("rescale_betas_zero_snr", true);
        }
        if (c.has("variance_type") && c.get("variance_type") != null
                && !"fixed_small".equals(c.getString("variance_type"))) {
            throw NoiseSchedules.unsupported("variance_type", c.getString("variance_type"));
        }
    }

    /**
     * diffusers' constructor-time {@code register_to_config} for a solver key: a value in {@code mapped} becomes
     * {@code target}; {@code target} and the {@code accepted} values stay; anything else is unsupported.
     */
    static SchedulerConfig mapValue(
            SchedulerConfig c, String key, String target, List<String> mapped, List<String> accepted) {
        String v = c.getString(key);
        if (mapped.contains(v)) {
            return c.with(key, target);
        }
        if (!target.equals(v) && !accepted.contains(v)) {
            throw NoiseSchedules.unsupported(key, v);
        }
        return c;
    }

    /** {@code solver_order}, checked to lie in [1, max]. */
    static int solverOrder(SchedulerConfig c, int max) {
        int order = c.getInt("solver_order");
        if (order < 1 || order > max) {
            throw NoiseSchedules.unsupported("solver_order", order);
        }
        return order;
    }
}
