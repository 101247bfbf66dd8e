package dev.smallsd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.io.SafeTensors;
import dev.smallsd.io.SafeTensorsFile;
import dev.smallsd.schedulers.SchedulerType;
import dev.smallsd.testing.Golden;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code golden/seeded}: diffusers runs where every random draw came from {@code torch.Generator("cpu").manual_seed}.
 * Each case is replayed through the public API with only its seed and request. Core has no safety checker, so the
 * images compared here are the ones the checker leaves untouched (the manifest's {@code nsfw} flag is false); the
 * flagged ones are compared by ssd-safety's tests, which run every case with the checker.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SeededGoldenTest {
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

    static Path seededDir() {
        return Golden.goldenDir().resolve("seeded");
    }

    /**
     * @param c a seeded case of the manifest
     * @return the request it describes
     */
    static GenerationRequest request(JsonObject c) {
        GenerationRequest.Builder b = GenerationRequest.builder()
                .prompt(c.get("prompt").getAsString())
                .steps(c.get("steps").getAsInt())
                .guidanceScale(c.get("guidance").getAsDouble())
                .size(c.get("width").getAsInt(), c.get("height").getAsInt())
                .seed(c.get("seed").getAsLong())
                .imagesPerPrompt(c.get("images_per_prompt").getAsInt())
                .scheduler(SchedulerType.fromName(c.get("scheduler").getAsString()));
        if (c.has("negative") && !c.get("negative").isJsonNull()) {
            b.negativePrompt(c.get("negative").getAsString());
        }
        return b.build();
    }

    @TestFactory
    Stream<DynamicTest> seededCases() {
        JsonObject cases = Golden.readJson(seededDir().resolve("MANIFEST.json")).getAsJsonObject("cases");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : cases.entrySet()) {
            String name = e.getKey();
            JsonObject c = e.getValue().getAsJsonObject();
            List<Boolean> nsfw = new ArrayList<>();
            c.getAsJsonArray("nsfw").forEach(x -> nsfw.add(x.getAsBoolean()));
            tests.add(DynamicTest.dynamicTest(name + " [" + c.get("scheduler").getAsString() + ", seed "
                    + c.get("seed").getAsLong() + "]", () -> checkCase(name, c, nsfw)));
        }
        assertThat(tests).as("seeded cases").isNotEmpty();
        return tests.stream();
    }

    private void checkCase(String name, JsonObject c, List<Boolean> nsfw) throws IOException {
        JsonObject tol = c.getAsJsonObject("tolerance");
        double atol = tol.get("images_atol").getAsDouble();
        int maxLevel = tol.get("png_max_level_diff").getAsInt();
        GenerationRequest request = request(c);

        // floats: the decoded images, observed on a run with only the seed
        NDArray[] decoded = new NDArray[1];
        sd.pipeline().run(request, new PipelineHooks(null, new PipelineHooks.Observer() {
            @Override
            public void onDecoded(NDArray images) {
                decoded[0] = manager.create(images.toFloatArray(), images.getShape());
                ai.djl.ndarray.NDScope.unregister(decoded[0]);
            }
        }), () -> false);
        // PNG: the public API
        GenerationResult result = sd.generate(request);
        assertThat(result.seed()).isEqualTo(c.get("seed").getAsLong());

        try (SafeTensorsFile f = SafeTensors.open(seededDir().resolve(name + ".safetensors"))) {
            String key = f.names().iterator().next();
            NDArray golden = f.load(key, manager);
            assertThat(decoded[0].getShape()).isEqualTo(golden.getShape());
            int checked = 0;
            for (int i = 0; i < nsfw.size(); i++) {
                if (nsfw.get(i)) {
                    continue; // replaced by black in the reference; ssd-safety checks it
                }
                Golden.assertClose(name + " image " + i, decoded[0].get(i), golden.get(i), new Golden.Tolerance(atol, 0));
                checked++;
            }
            if (!nsfw.get(0)) {
                BufferedImage png = ImageIO.read(seededDir().resolve(name + ".png").toFile());
                assertThat(Golden.maxLevelDiff(result.image(), png)).as(name + " PNG grey levels").isLessThanOrEqualTo(maxLevel);
                checked++;
            }
            assertThat(checked + nsfw.stream().filter(b -> b).count()).isGreaterThan(0);
        }
    }
}
