package dev.smallsd.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every case of the scheduler golden fixtures (diffusers v0.27.2), data-driven from {@code manifest.json}:
 * each case's scheduler is built from its class and overrides over the manifest's base config, fed the manifest's
 * stand-in model, and compared step by step within the case's tolerance.
 */
class GoldenSchedulerTest {

    private static final Gson GSON = new Gson();

    static Path goldenDir() {
        String root = System.getProperty("ssd.fixtures");
        if (root == null || root.isBlank()) {
            throw new IllegalStateException("system property ssd.fixtures is not set (the parent pom passes it)");
        }
        Path dir = Path.of(root, "golden", "schedulers");
        if (!Files.isRegularFile(dir.resolve("manifest.json"))) {
            throw new IllegalStateException("no scheduler fixtures at " + dir + " (ssd.fixtures=" + root + ")");
        }
        return dir;
    }

    static JsonObject readJson(Path p) {
        try {
            return JsonParser.parseString(Files.readString(p, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> toMap(JsonObject o) {
        return GSON.fromJson(o, Map.class);
    }

    /** Everything a case needs; the tensors are loaded once per case, on first use. */
    static final class Case {
        final String name;
        final JsonObject entry;
        final JsonObject json;
        final Map<String, Object> base;
        final Path tensorsFile;
        final JsonObject model;
        private SafeTensorsFile tensors;

        Case(Path dir, JsonObject manifest, JsonObject entry) {
            this.name = entry.get("case").getAsString();
            this.entry = entry;
            this.json = readJson(dir.resolve(entry.get("manifest").getAsString()));
            this.base = toMap(manifest.getAsJsonObject("base_scheduler_config"));
            this.tensorsFile = dir.resolve(entry.get("file").getAsString());
            this.model = manifest.getAsJsonObject("stand_in_model");
        }

        synchronized SafeTensorsFile tensors() {
            if (tensors == null) {
                try {
                    tensors = SafeTensorsFile.read(tensorsFile);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return tensors;
        }

        /**
         * The manifest's construction: the base config goes through its own class first (when it names one), then
         * {@code Cls.from_config(base.config, **overrides)}.
         */
        Scheduler scheduler() {
            Map<String, Object> from = base.get("_class_name") instanceof String baseClass
                    ? Schedulers.fromConfig(base, baseClass, Map.of()).config().toConfigMap()
                    : base;
            return Schedulers.fromConfig(from, entry.get("scheduler_class").getAsString(),
                    toMap(entry.getAsJsonObject("from_config_overrides")));
        }

        int steps() {
            return entry.get("num_inference_steps").getAsInt();
        }

        Tolerance tolerance() {
            return new Tolerance(entry.get("suggested_atol").getAsDouble(), entry.get("suggested_rtol").getAsDouble());
        }

        StepOptions stepOptions() {
            StepOptions o = StepOptions.DEFAULT;
            for (Map.Entry<String, JsonElement> e : json.getAsJsonObject("step_kwargs").entrySet()) {
                double v = e.getValue().getAsDouble();
                switch (e.getKey()) {
                    case "eta" -> o = o.withEta(v);
                    case "s_churn" -> o = o.withChurn(v, o.sTmin(), o.sTmax(), o.sNoise());
                    case "s_tmin" -> o = o.withChurn(o.sChurn(), v, o.sTmax(), o.sNoise());
                    case "s_tmax" -> o = o.withChurn(o.sChurn(), o.sTmin(), v, o.sNoise());
                    case "s_noise" -> o = o.withChurn(o.sChurn(), o.sTmin(), o.sTmax(), v);
                    default -> fail("step kwarg '" + e.getKey() + "' is not mapped to StepOptions");
                }
            }
            return o;
        }

        /** The stand-in model of the manifest: a·x·(float32(t)/1000) + b·fn(x), all float32, fn = cos or sin. */
        NDArray model(NDArray x, double t) {
            String fn = model.get("fn").getAsString();
            NDArray f = switch (fn) {
                case "cos" -> x.cos();
                case "sin" -> x.sin();
                default -> throw new IllegalStateException(
                        "stand-in model function '" + fn + "' of the manifest is not supported (cos, sin)");
            };
            float a = model.get("a").getAsFloat();
            float b = model.get("b").getAsFloat();
            float c = (float) t / 1000.0f;
            return x.mul(a).mul(c).add(f.mul(b));
        }
    }

    /** Replays recorded draws in order, checking the loop call each draw belongs to. */
    static final class RecordedNoise implements NoiseSource {
        private final SafeTensorsFile.Tensor draws;
        private final double[] callIndex;
        private int next;
        int call;

        RecordedNoise(SafeTensorsFile file, String prefix) {
            this.draws = file.has(prefix + "noise_draws") ? file.get(prefix + "noise_draws") : null;
            this.callIndex = draws == null ? new double[0] : file.get(prefix + "noise_draw_call_index").toDoubles();
        }

        @Override
        public NDArray next(Shape shape, NDManager manager) {
            if (draws == null || next >= draws.firstDim()) {
                fail("unexpected noise draw #" + next + " at call " + call);
            }
            assertEquals(callIndex[next], call, "noise draw #" + next + " happens at the recorded call");
            NDArray z = draws.slice(next++, manager);
            assertEquals(shape, z.getShape(), "noise shape");
            return z;
        }

        void assertAllUsed() {
            assertEquals(callIndex.length, next, "number of noise draws");
        }
    }

    @TestFactory
    Stream<DynamicNode> goldenCases() {
        Path dir = goldenDir();
        JsonObject manifest = readJson(dir.resolve("manifest.json"));
        List<DynamicNode> nodes = new ArrayList<>();
        for (JsonElement el : manifest.getAsJsonArray("cases")) {
            Case c = new Case(dir, manifest, el.getAsJsonObject());
            List<DynamicNode> tests = new ArrayList<>();
            tests.add(dynamicTest(c.name + " config", () -> checkConfig(c)));
            tests.add(dynamicTest(c.name + " timesteps", () -> checkSchedule(c)));
            tests.add(dynamicTest(c.name + " trajectory", () -> checkTrajectory(c)));
            for (String key : c.json.getAsJsonObject("img2img").keySet()) {
                tests.add(dynamicTest(c.name + " " + key, () -> checkImg2Img(c, key)));
            }
            tests.add(dynamicTest(c.name + " add_noise", () -> checkAddNoise(c)));
            nodes.add(dynamicContainer(c.name, tests.stream()));
        }
        assertFalse(nodes.isEmpty(), "manifest lists no cases");
        return nodes.stream();
    }

    static void checkConfig(Case c) {
        Scheduler s = c.scheduler();
        assertEquals(c.entry.get("scheduler_class").getAsString(), s.className());
        Map<String, Object> mine = s.config().toConfigMap();
        JsonObject golden = c.json.getAsJsonObject("resolved_config");
        for (String key : golden.keySet()) {
            assertTrue(mine.containsKey(key), "config has diffusers' key " + key + " (hidden keys included)");
            assertSameValue(key, golden.get(key), mine.get(key));
        }
        for (String key : mine.keySet()) {
            assertTrue(key.equals(SchedulerConfig.USE_DEFAULT_VALUES) || golden.has(key),
                    "diffusers' resolved config has key " + key);
        }
        List<String> leftAtDefault = new ArrayList<>();
        c.json.getAsJsonArray("config_keys_left_at_class_default").forEach(k -> leftAtDefault.add(k.getAsString()));
        leftAtDefault.sort(null);
        assertEquals(leftAtDefault, List.copyOf(s.config().usedDefaults()), "_use_default_values");
        Map<String, Object> defaults = Schedulers.classDefaults(s.className());
        for (JsonElement k : c.json.getAsJsonArray("config_keys_left_at_class_default")) {
            String key = k.getAsString();
            assertTrue(defaults.containsKey(key), "class default known for " + key);
            if (!c.entry.getAsJsonObject("from_config_overrides").has(key)) {
                assertSameValue(key, golden.get(key), defaults.get(key));
            }
        }
    }

    static void assertSameValue(String key, JsonElement golden, Object mine) {
        if (golden == null || golden.isJsonNull()) {
            assertNull(mine, key);
        } else if (golden.isJsonArray()) {
            assertEquals(GSON.fromJson(golden, List.class).size(), ((List<?>) mine).size(), key);
        } else if (golden.getAsJsonPrimitive().isBoolean()) {
            assertEquals(golden.getAsBoolean(), mine, key);
        } else if (golden.getAsJsonPrimitive().isNumber() || mine instanceof Number) {
            double g = SchedulerConfig.toDouble(key, golden.getAsJsonPrimitive().isNumber()
                    ? golden.getAsDouble() : golden.getAsString());
            assertEquals(g, SchedulerConfig.toDouble(key, mine), 0.0, key);
        } else {
            assertEquals(golden.getAsString(), mine, key);
        }
    }

    static void checkSchedule(Case c) {
        SafeTensorsFile f = c.tensors();
        Tolerance tol = c.tolerance();
        try (SchedulerRun run = c.scheduler().newRun(c.steps())) {
            boolean integer = "int64".equals(c.json.get("timesteps_dtype").getAsString());
            assertEquals(integer, run.integerTimesteps(), "integer timesteps");
            double[] golden = f.get("timesteps").toDoubles();
            if (integer) {
                Tolerance.assertExact("timesteps", golden, run.timesteps());
            } else {
                tol.assertClose("timesteps", golden, run.timesteps());
            }
            assertEquals(c.entry.get("num_model_calls").getAsInt(), run.timesteps().length, "model calls");
            assertEquals(c.entry.get("order").getAsInt(), run.order(), "order");
            tol.assertClose("init_noise_sigma", f.get("init_noise_sigma").toDoubles(),
                    new double[] {run.initNoiseSigma()});
            if (f.has("sigmas")) {
                assertNotNull(run.sigmas(), "sigmas");
                tol.assertClose("sigmas", f.get("sigmas").toDoubles(), run.sigmas());
            } else {
                assertNull(run.sigmas(), "sigmas");
            }
            Map<String, double[]> extra = run.extraSchedules();
            for (String name : List.of("sigmas_interpol", "sigmas_up", "sigmas_down")) {
                if (f.has(name)) {
                    assertTrue(extra.containsKey(name), name + " exposed");
                    tol.assertClose(name, f.get(name).toDoubles(), extra.get(name));
                }
            }
            JsonObject changed = c.json.getAsJsonObject("config_changed_by_set_timesteps");
            Map<String, Object> goldenChanges = changed == null ? Map.of() : toMap(changed);
            assertEquals(goldenChanges, run.configChanges(), "config values set_timesteps changes for this run");
            JsonObject derived = c.json.getAsJsonObject("derived_schedule_values");
            for (String name : derived.keySet()) {
                assertTrue(extra.containsKey(name), name + " exposed");
                JsonElement v = derived.get(name);
                double[] g = v.isJsonArray()
                        ? GSON.fromJson(v, double[].class)
                        : new double[] {v.getAsDouble()};
                if (name.equals("order_list")) {
                    Tolerance.assertExact(name, g, extra.get(name));
                } else {
                    tol.assertClose(name, g, extra.get(name));
                }
            }
        }
    }

    /** Runs the denoising loop over {@code ts} from {@code x}, comparing every stored tensor. */
    static NDArray loop(Case c, SchedulerRun run, double[] ts, NDArray x, String prefix, NDManager manager) {
        SafeTensorsFile f = c.tensors();
        Tolerance tol = c.tolerance();
        StepOptions options = c.stepOptions();
        RecordedNoise noise = new RecordedNoise(f, prefix);
        SafeTensorsFile.Tensor inputs = f.get(prefix + "traj_model_input");
        SafeTensorsFile.Tensor prevs = f.get(prefix + "traj_prev_sample");
        assertEquals(ts.length, inputs.firstDim(), prefix + "number of calls");
        String predName = f.has(prefix + "traj_pred_original_sample") ? prefix + "traj_pred_original_sample"
                : f.has(prefix + "traj_denoised") ? prefix + "traj_denoised" : null;
        for (int i = 0; i < ts.length; i++) {
            noise.call = i;
            try (NDManager step = manager.newSubManager()) {
                x.attach(step);
                NDArray inp = run.scaleModelInput(x, ts[i]);
                tol.assertClose(prefix + "model_input[" + i + "]", slice(inputs, i), inp);
                NDArray eps = c.model(inp, ts[i]);
                if (f.has(prefix + "traj_model_output")) {
                    tol.assertClose(prefix + "model_output[" + i + "]",
                            slice(f.get(prefix + "traj_model_output"), i), eps);
                }
                StepResult r = run.step(eps, ts[i], x, options, noise);
                tol.assertClose(prefix + "prev_sample[" + i + "]", slice(prevs, i), r.prevSample());
                if (predName != null) {
                    assertNotNull(r.predOriginalSample(), "pred_original_sample");
                    tol.assertClose(prefix + "pred_original_sample[" + i + "]", slice(f.get(predName), i),
                            r.predOriginalSample());
                }
                x = r.prevSample();
                x.attach(manager);
            }
        }
        noise.assertAllUsed();
        tol.assertClose(prefix + "final_sample", f.get(prefix + "final_sample").toDoubles(), x);
        return x;
    }

    static double[] slice(SafeTensorsFile.Tensor t, int i) {
        double[] all = t.toDoubles();
        int n = all.length / t.firstDim();
        return java.util.Arrays.copyOfRange(all, i * n, (i + 1) * n);
    }

    static void checkTrajectory(Case c) {
        SafeTensorsFile f = c.tensors();
        Tolerance tol = c.tolerance();
        try (NDManager manager = NDManager.newBaseManager();
                SchedulerRun run = c.scheduler().newRun(c.steps())) {
            double[] ts = run.timesteps();
            double[] golden = f.get("traj_t").toDoubles();
            if (run.integerTimesteps()) {
                Tolerance.assertExact("traj_t", golden, ts);
            } else {
                tol.assertClose("traj_t", golden, ts);
            }
            NDArray x = f.get("x0_randn").toNDArray(manager).mul((float) run.initNoiseSigma());
            tol.assertClose("x0", f.get("x0").toDoubles(), x);
            loop(c, run, ts, x, "", manager);
            if (f.has("lms_coefficients")) {
                tol.assertClose("lms_coefficients", f.get("lms_coefficients").toDoubles(),
                        run.extraSchedules().get("lms_coefficients"));
            }
        }
    }

    static void checkImg2Img(Case c, String key) {
        SafeTensorsFile f = c.tensors();
        Tolerance tol = c.tolerance();
        JsonObject g = c.json.getAsJsonObject("img2img").getAsJsonObject(key);
        try (NDManager manager = NDManager.newBaseManager();
                SchedulerRun run = c.scheduler().newRun(c.steps())) {
            Img2ImgStart start = run.startForStrength(g.get("strength").getAsDouble());
            assertEquals(g.get("t_start").getAsInt(), start.tStart(), "t_start");
            assertEquals(g.get("num_inference_steps_returned").getAsInt(), start.numInferenceSteps(), "steps left");
            JsonElement bi = g.get("begin_index");
            assertEquals(bi == null || bi.isJsonNull() ? OptionalInt.empty() : OptionalInt.of(bi.getAsInt()),
                    start.beginIndex(), "begin_index");
            double[] goldenTs = GSON.fromJson(g.get("timesteps"), double[].class);
            if (run.integerTimesteps()) {
                Tolerance.assertExact("img2img timesteps", goldenTs, start.timesteps());
            } else {
                tol.assertClose("img2img timesteps", goldenTs, start.timesteps());
            }
            String prefix = key + "_";
            if (goldenTs.length == 0) {
                assertFalse(f.has(prefix + "x0"), "no img2img loop stored when no timestep is left");
                return;
            }
            double[] latentT = new double[f.get("img2img_init_latents").firstDim()];
            java.util.Arrays.fill(latentT, start.latentTimestep());
            tol.assertClose("latent_timestep", f.get(prefix + "latent_timestep").toDoubles(), latentT);
            NDArray init = f.get("img2img_init_latents").toNDArray(manager);
            NDArray noise = f.get("img2img_noise").toNDArray(manager);
            NDArray x = run.addNoise(init, noise, latentT);
            tol.assertClose(prefix + "x0", f.get(prefix + "x0").toDoubles(), x);
            loop(c, run, start.timesteps(), x, prefix, manager);
        }
    }

    static void checkAddNoise(Case c) {
        SafeTensorsFile f = c.tensors();
        Tolerance tol = c.tolerance();
        int j = 0;
        for (JsonElement el : c.json.getAsJsonArray("add_noise")) {
            JsonObject g = el.getAsJsonObject();
            try (NDManager manager = NDManager.newBaseManager();
                    SchedulerRun run = c.scheduler().newRun(c.steps())) {
                double[] ts = f.get("add_noise_" + j + "_timesteps").toDoubles();
                double[] all = run.timesteps();
                int[] idx = GSON.fromJson(g.get("timesteps_indices"), int[].class);
                double[] mine = new double[idx.length];
                for (int k = 0; k < idx.length; k++) {
                    mine[k] = all[idx[k]];
                }
                if (run.integerTimesteps()) {
                    Tolerance.assertExact("add_noise timesteps", ts, mine);
                } else {
                    tol.assertClose("add_noise timesteps", ts, mine);
                }
                NDArray init = f.get("img2img_init_latents").toNDArray(manager);
                NDArray noise = f.get("img2img_noise").toNDArray(manager);
                NDArray out = run.addNoise(init, noise, mine);
                tol.assertClose("add_noise_" + j, f.get("add_noise_" + j + "_result").toDoubles(), out);
            }
            j++;
        }
        assertTrue(j > 0, "case has add_noise checks");
    }
}
