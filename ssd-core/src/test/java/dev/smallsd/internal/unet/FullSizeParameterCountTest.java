package dev.smallsd.internal.unet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.io.config.ConfigJson;
import dev.smallsd.internal.io.config.UNet2DConditionConfig;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.internal.vae.AutoencoderKL;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The full-size small-stable-diffusion-v0 UNet and VAE built from the bundled architecture configs have exactly the
 * published parameter counts (shapes only: nothing is materialised).
 */
class FullSizeParameterCountTest {
    private static final String UNET_CONFIG = "/dev/smallsd/configs/small-stable-diffusion-v0/unet/config.json";

    @Test
    void smallSdUNet() {
        assertThat(unetParameters(ModelDirectory.builtinArchitecture().unetConfig())).isEqualTo(579_384_964L);
    }

    @Test
    void withTwoLayersPerBlockItIsTheStableDiffusion14UNet() throws IOException {
        JsonObject json;
        try (InputStream in = ModelDirectory.class.getResourceAsStream(UNET_CONFIG)) {
            json = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        }
        assertThat(json.get("layers_per_block").getAsInt()).isEqualTo(1);
        json.addProperty("layers_per_block", 2);
        UNet2DConditionConfig sd14 = UNet2DConditionConfig.parse(ConfigJson.of(json, Path.of(UNET_CONFIG)));
        assertThat(unetParameters(sd14)).isEqualTo(859_520_964L);
    }

    @Test
    void smallSdVae() {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = Weights.shapesOnly(m);
            new AutoencoderKL(ModelDirectory.builtinArchitecture().vaeConfig(), w);
            assertThat(w.parameterCount()).isEqualTo(83_653_863L);
        }
    }

    private static long unetParameters(UNet2DConditionConfig config) {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = Weights.shapesOnly(m);
            new UNet2DConditionModel(config, w);
            return w.parameterCount();
        }
    }
}
