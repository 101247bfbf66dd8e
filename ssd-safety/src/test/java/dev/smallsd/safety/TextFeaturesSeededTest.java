package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.internal.pipeline.InternalAccess;
import dev.smallsd.internal.pipeline.PipelineHooks;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.ManagerPerClass;
import dev.smallsd.testing.PngLevels;
import dev.smallsd.testing.TextFeatureCases;
import dev.smallsd.testing.Tolerance;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The seeded cases of {@code golden/features} of the text kinds ({@code prompt_weighting}, {@code textual_inversion})
 * that diffusers ran with its safety checker ({@code safety_checker} absent or true), replayed through the public
 * API with the checker found on the class path: nsfw flags exact, the PNG within {@code png_max_level_diff}, the
 * filtered float images within {@code images_atol}.
 */
class TextFeaturesSeededTest extends ManagerPerClass {

    @TestFactory
    Stream<DynamicTest> seededTextFeatureCasesWithTheChecker() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonObject> e : TextFeatureCases.cases().entrySet()) {
            JsonObject c = e.getValue();
            if (TextFeatureCases.isSeeded(c) && TextFeatureCases.ranWithSafetyChecker(c)) {
                tests.add(DynamicTest.dynamicTest(e.getKey() + " [" + c.get("kind").getAsString() + ", safety checker]",
                        () -> check(e.getKey(), c)));
            }
        }
        assertThat(tests).as("seeded text-feature cases run with a safety checker").isNotEmpty();
        return tests.stream();
    }

    private void check(String name, JsonObject c) throws Exception {
        GenerationRequest request = TextFeatureCases.request(name, c);
        double atol = TextFeatureCases.tolerance(c, "images_atol");
        int maxLevels = (int) TextFeatureCases.tolerance(c, "png_max_level_diff");
        try (SmallStableDiffusion sd = TextFeatureCases.builder(name, c).build()) {
            assertThat(InternalAccess.engine(sd).safetyChecker()).as("a safety checker from the class path").isNotNull();
            GenerationResult result = sd.generate(request);
            assertThat(result.nsfw()).as(name + " nsfw").isEqualTo(TextFeatureCases.nsfw(c));
            PipelineCases.DecodedImages decoded = new PipelineCases.DecodedImages(manager);
            GenerationResult observed = InternalAccess.engine(sd).run(request, new PipelineHooks(null, decoded), () -> false);
            boolean[] flags = new boolean[observed.images().size()];
            for (int i = 0; i < flags.length; i++) {
                flags[i] = observed.isNsfw(i);
            }
            try (SafeTensorsFile f = SafeTensors.open(TextFeatureCases.dir().resolve(name + ".safetensors"))) {
                NDArray golden = f.load(f.names().iterator().next(), manager);
                NDArray filtered = ClipSafetyChecker.filter(decoded.images(), flags);
                Golden.assertClose(name + " images", filtered, golden, Tolerance.absolute(atol));
                double quantised = PipelineCases.assertQuantisedClose(name, result.images(), golden, atol);
                BufferedImage png = ImageIO.read(TextFeatureCases.dir().resolve(name + ".png").toFile());
                int levels = PngLevels.maxLevelDiff(result.image(), png);
                assertThat(levels).as(name + ".png max level difference").isLessThanOrEqualTo(maxLevels);
                System.out.printf("%s with the checker: nsfw %s exact, float max |java - golden| %.3g, 8-bit %.3g, "
                        + "PNG %d level(s)%n", name, result.nsfw(), filtered.sub(golden).abs().max().getFloat(),
                        quantised, levels);
            }
        }
    }
}
