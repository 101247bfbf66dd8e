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

    /** Validates the number of inference steps. */
    static void checkSteps(int n, int numTrain) {
        if (n <= 0 || n > numTrain) {
            throw new IllegalArgumentException(
                    "numInferenceSteps must be in [1, " + numTrain + "], got " + n);
        }
    }
}
