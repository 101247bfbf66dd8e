package dev.smallsd.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.Lazy;
import dev.smallsd.testing.Tolerance;
import dev.smallsd.testing.GoldenPipelineCase;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Every pipeline case of the golden manifest (a case with a {@code call}) run through the real pipeline on the tiny
 * model with the case's scheduler config, initial latents and stored noise draws; every recorded intermediate is
 * compared with the reference within the case's tolerance. The safety checker is not part of core: the images compared
 * here are the ones before it ({@code image_unfiltered}); ssd-safety's tests check the filtered ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineGoldenTest {
    private SmallStableDiffusion sd;
    private NDManager manager;

    @BeforeAll
    void load() {
        sd = SmallStableDiffusion.builder().modelPath(Golden.tinyModel()).safetyMode(SafetyMode.OFF).build();
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    void close() {
        manager.close();
        sd.close();
    }

    @TestFactory
    Stream<DynamicNode> pipelineCases() {
        List<DynamicNode> nodes = new ArrayList<>();
        for (String name : GoldenPipelineCase.names()) {
            nodes.add(caseNode(name, Golden.caseEntry(name)));
        }
        assertThat(nodes).as("pipeline cases in the manifest").isNotEmpty();
        return nodes.stream();
    }

    private DynamicContainer caseNode(String name, JsonObject c) {
        Supplier<Run> run = Lazy.of(() -> runCase(name, c));
        List<DynamicTest> tests = new ArrayList<>();
        Map<String, Compare> checks = new LinkedHashMap<>();
        checks.put("text_input_ids", (r, g) -> Golden.assertEqualLongs(name + " text_input_ids",
                RecordingObserver.concat(r.obs.inputIds), g));
        checks.put("text_embeddings", (r, g) -> close(c, "text_embeddings", RecordingObserver.concat(r.obs.embeddings), g));
        checks.put("loop_timesteps", (r, g) -> close(c, "loop_timesteps",
                RecordingObserver.stack(r.obs.unetTimestep).toType(g.getDataType(), false), g));
        checks.put("unet_timestep", (r, g) -> close(c, "unet_timestep",
                RecordingObserver.stack(r.obs.unetTimestep).toType(g.getDataType(), false), g));
        checks.put("unet_input", (r, g) -> close(c, "unet_input", RecordingObserver.stack(r.obs.unetInput), g));
        checks.put("unet_output", (r, g) -> close(c, "unet_output", RecordingObserver.stack(r.obs.unetOutput), g));
        checks.put("step_latents", (r, g) -> close(c, "step_latents", RecordingObserver.stack(r.obs.stepLatents), g));
        checks.put("final_latents", (r, g) -> close(c, "final_latents",
                r.obs.stepLatents.get(r.obs.stepLatents.size() - 1), g));
        checks.put("image_unfiltered", (r, g) -> close(c, "image_unfiltered", r.obs.decoded, g));
        JsonObject tensors = c.getAsJsonObject("tensors");
        for (Map.Entry<String, Compare> check : checks.entrySet()) {
            if (!tensors.has(check.getKey())) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(name + " " + check.getKey(), () -> {
                Run r = run.get();
                try (SafeTensorsFile f = Golden.open(name)) {
                    NDArray g = f.load(check.getKey(), manager);
                    check.getValue().check(r, g);
                }
            }));
        }
        if (tensors.has("noise_draws")) {
            tests.add(DynamicTest.dynamicTest(name + " consumes every noise draw", () -> {
                Run r = run.get();
                assertThat(r.noiseUsed).isEqualTo(r.noiseStored);
            }));
        }
        return DynamicContainer.dynamicContainer(name, tests);
    }

    private static void close(JsonObject c, String tensor, NDArray actual, NDArray golden) {
        NDArray a = actual.getDataType() == golden.getDataType() ? actual : actual.toType(golden.getDataType(), false);
        Golden.assertClose(tensor, a, golden, tolerance(c, tensor));
    }

    /**
     * The manifest's tolerance for a tensor; a tensor without its own entry takes the entry of the value it is made
     * from: the UNet input is the (scaled) latents, so it takes {@code step_latents}'; others the images' 1e-4.
     */
    static Tolerance tolerance(JsonObject c, String tensor) {
        JsonObject tol = c.getAsJsonObject("tolerance");
        if (!tol.has(tensor) && tensor.equals("unet_input") && tol.has("step_latents")) {
            return Golden.tolerance(c, "step_latents", 1e-4);
        }
        return Golden.tolerance(c, tensor, 1e-4);
    }

    private Run runCase(String name, JsonObject c) {
        GoldenPipelineCase gc = GoldenPipelineCase.load(name, manager);
        RecordingObserver obs = new RecordingObserver(manager);
        GoldenPipelineCase.StoredNoise noise = gc.noise();
        InternalAccess.engine(sd).run(gc.request(), gc.scheduler(), new PipelineHooks(noise, obs), () -> false);
        return new Run(obs, noise.used(), gc.draws().size());
    }

    private record Run(RecordingObserver obs, int noiseUsed, int noiseStored) {}

    @FunctionalInterface
    private interface Compare {
        void check(Run r, NDArray golden);
    }
}
