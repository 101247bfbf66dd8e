package dev.smallsd.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.PromptSyntax;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.testing.FeatureCase;
import dev.smallsd.testing.Golden;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * AUTOMATIC1111's {@code <lora:name:weight>} prompt tags, with {@link PromptSyntax#A1111}: a tag applies a LoRA
 * registered on the instance exactly as {@code request.lora(name, weight)} does, and is not part of the text the
 * encoder sees; the PNG parameters keep the prompt as written. The LoRA file and scale come from the first LoRA case
 * of {@code golden/features}.
 */
class LoraPromptTagsPipelineTest {

    private static SmallStableDiffusion sd;
    private static String name;
    private static double scale;

    @BeforeAll
    static void load() {
        JsonObject lora = null;
        for (Map.Entry<String, JsonElement> e : Golden.readJson(FeatureCase.dir().resolve("MANIFEST.json"))
                .getAsJsonObject("cases").entrySet()) {
            JsonObject c = e.getValue().getAsJsonObject();
            if ("lora".equals(c.get("kind").getAsString())) {
                lora = c;
                break;
            }
        }
        assertThat(lora).as("a lora case in golden/features").isNotNull();
        Path file = FeatureCase.dir().resolve(lora.getAsJsonArray("files").get(0).getAsString());
        scale = lora.get("scale").getAsDouble();
        name = "style";
        sd = SmallStableDiffusion.builder().modelPath(Golden.tinyModel()).safetyMode(SafetyMode.OFF)
                .registerLora(name, file).build();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    private static GenerationRequest.Builder request(String prompt) {
        return GenerationRequest.builder(prompt).promptSyntax(PromptSyntax.A1111).size(64, 64).steps(3).seed(5);
    }

    private static int[] pixels(GenerationResult r) {
        BufferedImage i = r.image();
        return i.getRGB(0, 0, i.getWidth(), i.getHeight(), null, 0, i.getWidth());
    }

    @Test
    void aTagEqualsTheRequestLora() {
        String tagged = "a castle made of glass <lora:" + name + ":" + scale + ">";
        GenerationResult viaTag = sd.generate(request(tagged).build());
        GenerationResult viaRequest = sd.generate(request("a castle made of glass ").lora(name, scale).build());
        GenerationResult without = sd.generate(request("a castle made of glass ").build());
        assertThat(pixels(viaTag)).isEqualTo(pixels(viaRequest));
        assertThat(pixels(viaTag)).as("the LoRA changes the image").isNotEqualTo(pixels(without));
        assertThat(viaTag.parameters().get(0)).startsWith(tagged + "\n");
    }

    @Test
    void anUnregisteredTagIsABadRequest() {
        assertThatThrownBy(() -> sd.generate(request("a castle <lora:nope:0.5>").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("lora:")
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> sd.generate(request("a castle <lora:" + name + ":x>").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("prompt:");
    }

    @Test
    void plainSyntaxLeavesTagsAsText() {
        GenerationResult plain = sd.generate(GenerationRequest.builder("a castle <lora:nope:0.5>").size(64, 64)
                .steps(3).seed(5).build());
        assertThat(plain.images()).hasSize(1);
    }
}
