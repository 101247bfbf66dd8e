package dev.smallsd.features;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smallsd.GenerationRequest;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.testing.FeatureCase;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** Inpainting requests that cannot be run fail with an IllegalArgumentException naming the parameter. */
class InpaintingRequestTest {
    private static BufferedImage image(int w, int h) {
        return new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    }

    @Test
    void aMaskNeedsAnInitImageOfItsSize() {
        assertThatThrownBy(() -> GenerationRequest.builder("x").maskImage(image(64, 64)).build().validate(1000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("maskImage: ")
                .hasMessageContaining("initImage");
        assertThatThrownBy(() -> GenerationRequest.builder("x").initImage(image(64, 64)).maskImage(image(64, 32))
                .build().validate(1000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("maskImage: ").hasMessageContaining("64x32");
    }

    @Test
    void anInpaintingUNetRefusesPlainTextToImage() {
        FeatureCase nine = FeatureCase.all().stream()
                .filter(c -> "inpaint".equals(c.kind()) && c.entry().get("model").getAsString().contains(" with unet/"))
                .findFirst().orElseThrow(() -> new AssertionError("no inpainting-UNet case in the features manifest"));
        try (SmallStableDiffusion sd = nine.builder().disableSafetyChecker().build()) {
            assertThatThrownBy(() -> sd.generate(GenerationRequest.builder("x").steps(1).size(64, 64).build()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("maskImage: ")
                    .hasMessageContaining("input channels");
        }
    }
}
