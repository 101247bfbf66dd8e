package dev.smallsd.features;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import dev.smallsd.testing.FeatureCase;
import dev.smallsd.testing.Golden;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every case of {@code golden/features/MANIFEST.json} belongs to a kind some golden test replays
 * ({@code FeaturesGoldenTest}: inpaint, lora, taesd; {@code TextFeaturesGoldenTest}: prompt_weighting,
 * textual_inversion), so a fixture set with a new kind fails here instead of being silently ignored.
 */
class FeatureKindsTest {

    private static final Set<String> REPLAYED = Set.of("inpaint", "lora", "taesd", "prompt_weighting",
            "textual_inversion");

    @Test
    void everyManifestCaseIsReplayed() {
        Map<String, JsonElement> cases = Golden.readJson(FeatureCase.dir().resolve("MANIFEST.json"))
                .getAsJsonObject("cases").asMap();
        assertThat(cases).isNotEmpty();
        cases.forEach((name, c) -> assertThat(c.getAsJsonObject().get("kind").getAsString())
                .as("kind of feature case %s", name).isIn(REPLAYED));
    }
}
