package dev.smallsd.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Factory semantics, names, validation, memory ownership and run independence. */
class SchedulersApiTest {

    /** The small-stable-diffusion-v0 / SD v1 scheduler_config.json. */
    static Map<String, Object> sdConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("_class_name", "PNDMScheduler");
        m.put("_diffusers_version", "0.27.2");
        m.put("beta_end", 0.012);
        m.put("beta_schedule", "scaled_linear");
        m.put("beta_start", 0.00085);
        m.put("clip_sample", false);
        m.put("num_train_timesteps", 1000);
        m.put("set_alpha_to_one", false);
        m.put("skip_prk_steps", true);
        m.put("steps_offset", 1);
        m.put("trained_betas", null);
        return m;
    }

    @Test
    void userNamesRoundTrip() {
        List<String> names = List.of("pndm", "ddim", "ddpm", "dpm++2m", "dpm++2m-karras", "dpm++3m", "dpm2m",
                "dpm-singlestep", "euler", "euler-karras", "euler-a", "lms", "heun", "kdpm2", "kdpm2-a", "unipc",
                "deis", "lcm");
        assertEquals(names.size(), SchedulerType.values().length);
        for (String n : names) {
            assertEquals(n, SchedulerType.fromName(n).userName());
        }
        assertEquals(SchedulerType.EULER_A, SchedulerType.fromName(" Euler-A "));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> SchedulerType.fromName("k_euler"));
        assertTrue(e.getMessage().contains("k_euler") && e.getMessage().contains("dpm++2m-karras"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SchedulerType.fromName(null));
    }

    @ParameterizedTest
    @EnumSource(SchedulerType.class)
    void everyTypeBuildsFromTheSdConfig(SchedulerType type) {
        Scheduler s = Schedulers.create(type, sdConfig());
        assertEquals(type.className(), s.className());
        assertEquals(1000, s.numTrainTimesteps());
        for (Map.Entry<String, Object> o : type.overrides().entrySet()) {
            assertEquals(o.getValue(), s.config().get(o.getKey()));
        }
        try (SchedulerRun run = s.newRun(4)) {
            assertTrue(run.timesteps().length >= 4);
        }
    }

    @Test
    void fromConfigFileUsesClassName(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("scheduler_config.json");
        Files.writeString(json, "{\"_class_name\": \"PNDMScheduler\", \"_diffusers_version\": \"0.27.2\","
                + " \"beta_end\": 0.012, \"beta_schedule\": \"scaled_linear\", \"beta_start\": 0.00085,"
                + " \"clip_sample\": false, \"num_train_timesteps\": 1000, \"set_alpha_to_one\": false,"
                + " \"skip_prk_steps\": true, \"steps_offset\": 1, \"trained_betas\": null}");
        Scheduler s = Schedulers.fromConfig(json);
        assertEquals("PNDMScheduler", s.className());
        assertEquals(1, s.config().getInt("steps_offset"));
        try (SchedulerRun run = s.newRun(10)) {
            assertArrayEquals(new double[] {901, 801, 801, 701, 601, 501, 401, 301, 201, 101, 1}, run.timesteps());
        }
    }

    @Test
    void classDefaultsWinForKeysTheBaseOnlyHadAtDefault() {
        Map<String, Object> base = sdConfig();
        assertEquals("linspace", Schedulers.create(SchedulerType.EULER, base).config().getString("timestep_spacing"));
        assertEquals("leading", Schedulers.create(SchedulerType.DDIM, base).config().getString("timestep_spacing"));
        // a key the base config did carry is inherited
        base.put("timestep_spacing", "trailing");
        assertEquals("trailing", Schedulers.create(SchedulerType.EULER, base).config().getString("timestep_spacing"));
        // ... unless diffusers recorded it as a default it filled in
        base.put("_use_default_values", List.of("timestep_spacing"));
        assertEquals("linspace", Schedulers.create(SchedulerType.EULER, base).config().getString("timestep_spacing"));
    }

    @Test
    void unknownBaseKeysAreIgnoredUnknownOverridesRejected() {
        Map<String, Object> base = sdConfig();
        base.put("some_future_key", 42);
        Scheduler s = Schedulers.fromConfig(base, "DDIMScheduler", Map.of());
        assertTrue(!s.config().has("some_future_key"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Schedulers.fromConfig(base, "DDIMScheduler", Map.of("use_karras_sigmas", true)));
        assertTrue(e.getMessage().contains("use_karras_sigmas"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Schedulers.fromConfig(base, "NoSuchScheduler", Map.of()));
    }

    @Test
    void dpmSolverRejectsZeroFinalSigmaLikeDiffusers() {
        assertThrows(IllegalArgumentException.class, () -> Schedulers.fromConfig(
                sdConfig(), "DPMSolverMultistepScheduler", Map.of("algorithm_type", "dpmsolver")));
    }

    @Test
    void newRunValidatesStepCount() {
        for (SchedulerType type : SchedulerType.values()) {
            Scheduler s = Schedulers.create(type, sdConfig());
            assertThrows(IllegalArgumentException.class, () -> s.newRun(0), type.userName());
            assertThrows(IllegalArgumentException.class, () -> s.newRun(-3), type.userName());
            assertThrows(IllegalArgumentException.class, () -> s.newRun(1001), type.userName());
        }
    }

    @Test
    void betasAndAlphaProductsMatchTorch() throws IOException {
        SafeTensorsFile common = SafeTensorsFile.read(GoldenSchedulerTest.goldenDir().resolve("common.safetensors"));
        SchedulerConfig c = Schedulers.resolve(sdConfig(), "PNDMScheduler", Map.of());
        float[] betas = NoiseSchedules.betas(c);
        float[] ac = NoiseSchedules.alphasCumprod(betas);
        assertArrayEquals(common.get("betas").toFloats(), betas);
        assertArrayEquals(common.get("alphas_cumprod").toFloats(), ac);
    }

    static NDArray model(NDArray x, double t) {
        return x.mul(0.5f).mul((float) t / 1000f).add(x.cos().mul(0.1f));
    }

    /** Plain standard-normal noise from a seeded java.util.Random (enough for these checks). */
    static NoiseSource seeded(long seed) {
        Random r = new Random(seed);
        return (shape, manager) -> {
            float[] v = new float[(int) shape.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
            return manager.create(v, shape);
        };
    }

    @ParameterizedTest
    @EnumSource(SchedulerType.class)
    void stepsLeaveOnlyTheirResultsOnTheCallersManager(SchedulerType type) {
        Scheduler s = Schedulers.create(type, sdConfig());
        try (NDManager m = NDManager.newBaseManager(); SchedulerRun run = s.newRun(8)) {
            NoiseSource noise = seeded(1);
            NDArray x = noise.next(new Shape(1, 4, 8, 8), m).mul((float) run.initNoiseSigma());
            for (double t : run.timesteps()) {
                NDArray inp = run.scaleModelInput(x, t);
                NDArray eps = model(inp, t);
                int before = m.getManagedArrays().size();
                StepResult r = run.step(eps, t, x, StepOptions.DEFAULT.withEta(0.3), noise);
                int added = m.getManagedArrays().size() - before;
                int expected = r.predOriginalSample() == null ? 1 : 2;
                assertEquals(expected, added, type + ": arrays a step leaves on the caller's manager");
                x = r.prevSample();
            }
            assertTrue(Float.isFinite(x.abs().max().getFloat()), type + " produced non-finite values");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerType.class)
    void veryShortRunsWork(SchedulerType type) {
        Scheduler s = Schedulers.create(type, sdConfig());
        for (int steps = 1; steps <= 3; steps++) {
            try (NDManager m = NDManager.newBaseManager(); SchedulerRun run = s.newRun(steps)) {
                NoiseSource noise = seeded(steps);
                NDArray x = noise.next(new Shape(2, 4, 4, 4), m).mul((float) run.initNoiseSigma());
                for (double t : run.timesteps()) {
                    x = run.step(model(run.scaleModelInput(x, t), t), t, x, noise).prevSample();
                }
                assertTrue(Float.isFinite(x.abs().max().getFloat()), type + " with " + steps + " steps");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerType.class)
    void runsOfOneSchedulerAreIndependent(SchedulerType type) {
        Scheduler s = Schedulers.create(type, sdConfig());
        try (NDManager m = NDManager.newBaseManager()) {
            float[] alone = trajectory(s, m, null);
            float[] interleaved = trajectory(s, m, s);
            assertArrayEquals(alone, interleaved, type.userName());
        }
    }

    /** Runs 6 steps; with {@code other} set, steps a second run of it in between every step. */
    private static float[] trajectory(Scheduler s, NDManager m, Scheduler other) {
        try (SchedulerRun run = s.newRun(6); SchedulerRun second = other == null ? null : other.newRun(6)) {
            NoiseSource n1 = seeded(7);
            NoiseSource n2 = seeded(99);
            NDArray x = n1.next(new Shape(1, 4, 4, 4), m).mul((float) run.initNoiseSigma());
            NDArray y = n2.next(new Shape(1, 4, 4, 4), m).mul(2f);
            double[] ts = run.timesteps();
            for (int i = 0; i < ts.length; i++) {
                x = run.step(model(run.scaleModelInput(x, ts[i]), ts[i]), ts[i], x, n1).prevSample();
                if (second != null) {
                    y = second.step(model(second.scaleModelInput(y, ts[i]), ts[i]), ts[i], y, n2).prevSample();
                }
            }
            return x.toFloatArray();
        }
    }

    @Test
    void pndmWithRungeKuttaWarmUp() {
        Scheduler s = Schedulers.fromConfig(sdConfig(), "PNDMScheduler", Map.of("skip_prk_steps", false));
        try (NDManager m = NDManager.newBaseManager(); SchedulerRun run = s.newRun(10)) {
            assertArrayEquals(new double[] {901, 851, 851, 801, 801, 751, 751, 701, 701, 651, 651, 601,
                601, 501, 401, 301, 201, 101, 1}, run.timesteps());
            NoiseSource noise = NoiseSource.none();
            NDArray x = seeded(3).next(new Shape(1, 4, 4, 4), m);
            for (double t : run.timesteps()) {
                x = run.step(model(x, t), t, x, noise).prevSample();
            }
            assertTrue(Float.isFinite(x.abs().max().getFloat()));
        }
    }

    @Test
    void img2imgStartFollowsGetTimesteps() {
        Scheduler heun = Schedulers.create(SchedulerType.HEUN, sdConfig());
        try (SchedulerRun run = heun.newRun(10)) {
            Img2ImgStart st = run.startForStrength(0.75);
            assertEquals(3, st.tStart());
            assertEquals(7, st.numInferenceSteps());
            assertEquals(6, st.beginIndex().getAsInt());
            assertEquals(13, st.timesteps().length);
        }
        Scheduler ddim = Schedulers.create(SchedulerType.DDIM, sdConfig());
        try (SchedulerRun run = ddim.newRun(1)) {
            Img2ImgStart st = run.startForStrength(0.5);
            assertEquals(0, st.timesteps().length);
            assertTrue(st.beginIndex().isEmpty());
            assertThrows(IllegalStateException.class, st::latentTimestep);
            assertThrows(IllegalArgumentException.class, () -> run.startForStrength(1.5));
        }
    }

    @Test
    void automatic1111NamesRoundTrip() {
        for (SchedulerType t : SchedulerType.values()) {
            t.a1111Sampler().ifPresent(sampler -> assertEquals(t,
                    SchedulerType.fromA1111(sampler, t.a1111ScheduleType().orElse(null)), sampler));
        }
        assertEquals(SchedulerType.PNDM, SchedulerType.fromName("PLMS"));
        assertEquals(SchedulerType.EULER_A, SchedulerType.fromName("Euler a"));
        assertEquals(SchedulerType.DPMPP_2M_KARRAS, SchedulerType.fromName("DPM++ 2M Karras"));
        assertEquals(SchedulerType.DPMPP_2M_KARRAS, SchedulerType.fromA1111("DPM++ 2M", "Karras"));
        assertEquals(SchedulerType.DPMPP_2M, SchedulerType.fromA1111("DPM++ 2M", "Automatic"));
        assertEquals(Optional.empty(), SchedulerType.DEIS.a1111Sampler());
        long named = Arrays.stream(SchedulerType.values()).filter(t -> t.a1111Sampler().isPresent()).count();
        assertEquals(14, named, "types with an A1111 equivalent");
    }
}
