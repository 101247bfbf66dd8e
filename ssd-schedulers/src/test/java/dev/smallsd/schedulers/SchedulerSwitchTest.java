package dev.smallsd.schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * diffusers v0.27.2's own full-loop checks of the four DPM-family solvers ({@code tests/schedulers/}): each class
 * built from its test config gives diffusers' recorded mean, and switching schedulers with {@code from_config}
 * through the other three classes, in every order, gives exactly the fresh scheduler's trajectory.
 */
class SchedulerSwitchTest {

    private static final int STEPS = 10;

    /** diffusers' per-class test config and the mean |sample| its {@code full_loop} / {@code test_switch} expects. */
    private record Solver(String className, Map<String, Object> testConfig, double expectedMean) {}

    private static Map<String, Object> linearBetas(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_train_timesteps", 1000);
        m.put("beta_start", 0.0001);
        m.put("beta_end", 0.02);
        m.put("beta_schedule", "linear");
        m.put("solver_order", 2);
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private static final List<Solver> SOLVERS = List.of(
            new Solver("DPMSolverSinglestepScheduler", linearBetas(
                    "prediction_type", "epsilon", "thresholding", false, "sample_max_value", 1.0,
                    "algorithm_type", "dpmsolver++", "solver_type", "midpoint", "lambda_min_clipped", "-inf",
                    "variance_type", null, "final_sigmas_type", "sigma_min"), 0.2791),
            new Solver("DPMSolverMultistepScheduler", linearBetas(
                    "prediction_type", "epsilon", "thresholding", false, "sample_max_value", 1.0,
                    "algorithm_type", "dpmsolver++", "solver_type", "midpoint", "lower_order_final", false,
                    "euler_at_final", false, "lambda_min_clipped", "-inf", "variance_type", null,
                    "final_sigmas_type", "sigma_min"), 0.3301),
            new Solver("UniPCMultistepScheduler", linearBetas("solver_type", "bh2"), 0.2464),
            new Solver("DEISMultistepScheduler", linearBetas(), 0.23916));

    /** diffusers' {@code dummy_sample_deter}: arange(4·3·8·8) / n laid out as (3, 8, 8, 4), then batch first. */
    private static NDArray dummySample(NDManager manager) {
        int n = 4 * 3 * 8 * 8;
        return manager.arange(0f, n, 1f).reshape(3, 8, 8, 4).div((float) n).transpose(3, 0, 1, 2);
    }

    /** diffusers' {@code dummy_model}: {@code sample · t / (t + 1)} with t as float32. */
    private static NDArray dummyModel(NDArray sample, double t) {
        float tf = (float) t;
        return sample.mul(tf).div(tf + 1f);
    }

    /** diffusers' {@code full_loop}: 10 steps of the dummy model from the deterministic sample. */
    private static float[] fullLoop(Scheduler scheduler) {
        try (NDManager manager = NDManager.newBaseManager(); SchedulerRun run = scheduler.newRun(STEPS)) {
            NDArray sample = dummySample(manager);
            for (double t : run.timesteps()) {
                try (NDManager step = manager.newSubManager()) {
                    sample.attach(step);
                    sample = run.step(dummyModel(sample, t), t, sample, null).prevSample();
                    sample.attach(manager);
                }
            }
            return sample.toFloatArray();
        }
    }

    private static double meanAbs(float[] v) {
        double sum = 0;
        for (float f : v) {
            sum += Math.abs(f);
        }
        return sum / v.length;
    }

    @TestFactory
    Stream<DynamicTest> freshSolverGivesDiffusersMean() {
        return SOLVERS.stream().map(s -> dynamicTest(s.className() + " mean " + s.expectedMean(), () -> {
            Scheduler fresh = Schedulers.fromConfig(s.testConfig(), s.className(), Map.of());
            assertThat(meanAbs(fullLoop(fresh))).isCloseTo(s.expectedMean(), offset(1e-3));
        }));
    }

    @TestFactory
    Stream<DynamicTest> switchingThroughTheOtherThreeKeepsTheTrajectory() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Solver target : SOLVERS) {
            List<String> others = SOLVERS.stream().map(Solver::className)
                    .filter(c -> !c.equals(target.className())).collect(Collectors.toList());
            for (List<String> order : permutations(others)) {
                tests.add(dynamicTest(target.className() + " via " + String.join(" -> ", order), () -> {
                    Scheduler fresh = Schedulers.fromConfig(target.testConfig(), target.className(), Map.of());
                    Scheduler s = fresh;
                    for (String cls : order) {
                        s = Schedulers.fromConfig(s.config().toConfigMap(), cls, Map.of());
                    }
                    Scheduler back = Schedulers.fromConfig(s.config().toConfigMap(), target.className(), Map.of());
                    assertThat(back.config().asMap()).as("constructor keys after the switches")
                            .isEqualTo(fresh.config().asMap());
                    assertThat(fullLoop(back)).as("trajectory after the switches").isEqualTo(fullLoop(fresh));
                }));
            }
        }
        return tests.stream();
    }

    private static List<List<String>> permutations(List<String> items) {
        if (items.size() <= 1) {
            return List.of(items);
        }
        List<List<String>> out = new ArrayList<>();
        for (String first : items) {
            List<String> rest = new ArrayList<>(items);
            rest.remove(first);
            for (List<String> p : permutations(rest)) {
                List<String> l = new ArrayList<>();
                l.add(first);
                l.addAll(p);
                out.add(l);
            }
        }
        return out;
    }

    @Test
    void singlestepSigmaMinWithEvenStepsKeepsSecondOrderToTheEnd() {
        Scheduler s = Schedulers.fromConfig(SOLVERS.get(0).testConfig(), "DPMSolverSinglestepScheduler", Map.of());
        assertThat(s.config().getBoolean("lower_order_final")).as("diffusers' constructor default").isFalse();
        try (SchedulerRun run = s.newRun(STEPS)) {
            assertThat(run.extraSchedules().get("order_list"))
                    .containsExactly(1, 2, 1, 2, 1, 2, 1, 2, 1, 2);
            assertThat(run.configChanges()).isEmpty();
        }
        try (SchedulerRun run = s.newRun(9)) {
            assertThat(run.extraSchedules().get("order_list")).containsExactly(1, 2, 1, 2, 1, 2, 1, 2, 1);
            assertThat(run.configChanges()).isEqualTo(Map.of("lower_order_final", true));
        }
        assertThat(s.config().getBoolean("lower_order_final")).as("a run never changes the scheduler").isFalse();
    }

    @Test
    void switchCarriesUnknownKeysAndForgetsDefaults() {
        Scheduler single = Schedulers.fromConfig(SOLVERS.get(0).testConfig(), "DPMSolverSinglestepScheduler", Map.of());
        Scheduler unipc = Schedulers.fromConfig(single.config(), SchedulerType.UNIPC);
        assertThat(unipc.config().getString("solver_type")).as("midpoint maps to bh2").isEqualTo("bh2");
        assertThat(unipc.config().hidden()).containsEntry("final_sigmas_type", "sigma_min")
                .containsEntry("algorithm_type", "dpmsolver++");
        assertThat(unipc.config().usedDefaults()).contains("lower_order_final", "predict_x0");
        Scheduler multi = Schedulers.fromConfig(unipc.config(), SchedulerType.DPMPP_2M);
        assertThat(multi.config().getString("final_sigmas_type")).isEqualTo("sigma_min");
        assertThat(multi.config().getBoolean("lower_order_final"))
                .as("UniPC only had lower_order_final at its default, so the class default applies").isTrue();
        assertThat(multi.config().toConfigMap()).containsEntry("_class_name", "DPMSolverMultistepScheduler");
    }

    @Test
    void configWithNullsParsesFromJson() {
        Map<String, Object> cfg = Schedulers.parseConfig(
                "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"variance_type\": null, \"beta_schedule\": "
                        + "\"scaled_linear\", \"beta_start\": 0.00085, \"beta_end\": 0.012}");
        Scheduler s = Schedulers.fromConfig(cfg, SchedulerType.DPMPP_2M);
        assertThat(s.config().get("variance_type")).isNull();
        Map<String, Object> overrides = new HashMap<>();
        overrides.put("variance_type", null);
        assertThat(Schedulers.fromConfig(cfg, "DPMSolverMultistepScheduler", overrides).config().get("variance_type"))
                .isNull();
    }

    @Test
    void addNoiseBroadcastsOneTimestep() {
        Scheduler s = Schedulers.fromConfig(SOLVERS.get(1).testConfig(), "DPMSolverMultistepScheduler", Map.of());
        try (NDManager manager = NDManager.newBaseManager(); SchedulerRun run = s.newRun(STEPS)) {
            NDArray x = dummySample(manager);
            NDArray noise = manager.ones(x.getShape());
            double t = run.timesteps()[3];
            NDArray one = run.addNoise(x, noise, t);
            NDArray each = run.addNoise(x, noise, new double[] {t, t, t, t});
            assertThat(one.getShape()).isEqualTo(new Shape(4, 3, 8, 8));
            assertThat(one.toFloatArray()).isEqualTo(each.toFloatArray());
        }
    }
}
