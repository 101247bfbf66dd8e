package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.config.ClipTextConfig;
import dev.smallsd.testing.Golden;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safety checker's configs ({@code safety_checker/config.json}, {@code preprocessor_config.json}). */
class SafetyConfigsTest {

    private static void write(Path file, String json) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, json, StandardCharsets.UTF_8);
    }

    private static void assertTower(SafetyCheckerConfig c, int projection, int hidden, int layers, int patch,
            int positions) {
        assertThat(c.projectionDim()).isEqualTo(projection);
        assertThat(c.visionConfig().hiddenSize()).isEqualTo(hidden);
        assertThat(c.visionConfig().numHiddenLayers()).isEqualTo(layers);
        assertThat(c.visionConfig().patchSize()).isEqualTo(patch);
        assertThat(c.visionConfig().numPositions()).isEqualTo(positions);
    }

    @Test
    void tinyModelSafetyConfigs() {
        // expectations come from the fixture folder's own config.json (the parser's job is to read it)
        ModelDirectory dir = ModelDirectory.open(Golden.tinyModel());
        JsonObject sc = Golden.readJson(Golden.tinyModel().resolve("safety_checker/config.json"));
        JsonObject vc = sc.getAsJsonObject("vision_config");
        int patchesPerSide = vc.get("image_size").getAsInt() / vc.get("patch_size").getAsInt();
        assertTower(SafetyCheckerConfig.of(dir).orElseThrow(), sc.get("projection_dim").getAsInt(),
                vc.get("hidden_size").getAsInt(), vc.get("num_hidden_layers").getAsInt(),
                vc.get("patch_size").getAsInt(), patchesPerSide * patchesPerSide + 1);

        FeatureExtractorConfig fe = FeatureExtractorConfig.of(dir).orElseThrow();
        assertThat(fe.size()).isEqualTo(new FeatureExtractorConfig.ResizeSize(224, null, null));
        assertThat(fe.cropSize()).isEqualTo(new FeatureExtractorConfig.CropSize(224, 224));
        assertThat(fe.resample()).isEqualTo(FeatureExtractorConfig.BICUBIC);
        assertThat(fe.imageMean()).isEqualTo(FeatureExtractorConfig.OPENAI_CLIP_MEAN);
        assertThat(fe.rescaleFactor()).isEqualTo(1.0 / 255);
    }

    @Test
    void fullSizeFolderAndBuiltinArchitectureAgree() {
        Path configs = Golden.root().getParent().resolve("configs").resolve("small-stable-diffusion-v0");
        assertThat(configs).as("full-size configs folder").isDirectory();
        ModelDirectory folder = ModelDirectory.open(configs);
        ModelDirectory builtin = ModelDirectory.builtinArchitecture();
        for (ModelDirectory d : List.of(folder, builtin)) {
            assertTower(SafetyCheckerConfig.of(d).orElseThrow(), 768, 1024, 24, 14, 257);
        }
        assertThat(SafetyCheckerConfig.of(builtin)).isEqualTo(SafetyCheckerConfig.of(folder));
        assertThat(FeatureExtractorConfig.of(builtin)).isEqualTo(FeatureExtractorConfig.of(folder));
    }

    @Test
    void legacySafetyCheckerConfigGetsTransformersDefaults(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("config.json");
        write(file, """
                {"_name_or_path": "CompVis/stable-diffusion-safety-checker",
                 "architectures": ["StableDiffusionSafetyChecker"], "model_type": "clip",
                 "projection_dim": 768, "text_config": null, "vision_config": null,
                 "text_config_dict": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12},
                 "vision_config_dict": {"hidden_size": 1024, "intermediate_size": 4096, "num_attention_heads": 16,
                                        "num_hidden_layers": 24, "patch_size": 14}}
                """);
        assertThat(SafetyCheckerConfig.read(file)).isEqualTo(new SafetyCheckerConfig(768,
                new ClipTextConfig(49408, 768, 3072, 12, 12, 77, "quick_gelu", 1e-5, 512, 49406, 49407, 1),
                new ClipVisionConfig(1024, 4096, 24, 16, 224, 14, 3, "quick_gelu", 1e-5, 512)));

        write(file, "{\"vision_config_dict\": {}}");
        assertThat(SafetyCheckerConfig.read(file)).as("transformers' defaults").isEqualTo(new SafetyCheckerConfig(512,
                new ClipTextConfig(49408, 512, 2048, 12, 8, 77, "quick_gelu", 1e-5, 512, 49406, 49407, 1),
                new ClipVisionConfig(768, 3072, 12, 12, 224, 32, 3, "quick_gelu", 1e-5, 512)));

        write(file, "{\"vision_config\": {\"hidden_size\": 64, \"patch_size\": 16},"
                + " \"vision_config_dict\": {\"hidden_size\": 192}}");
        assertThat(SafetyCheckerConfig.read(file).visionConfig().hiddenSize()).as("_dict overrides").isEqualTo(192);
        assertThat(SafetyCheckerConfig.read(file).visionConfig().patchSize()).isEqualTo(16);
    }

    @Test
    void featureExtractorSizeForms(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("preprocessor_config.json");
        write(f, "{}");
        FeatureExtractorConfig defaults = FeatureExtractorConfig.read(f);
        assertThat(defaults.size().shortestEdge()).isEqualTo(224);
        assertThat(defaults.doConvertRgb()).isTrue();

        write(f, "{\"size\": {\"shortest_edge\": 256}, \"crop_size\": {\"height\": 200, \"width\": 210},"
                + " \"image_mean\": 0.5, \"image_std\": [0.5, 0.5, 0.5]}");
        FeatureExtractorConfig a = FeatureExtractorConfig.read(f);
        assertThat(a.size()).isEqualTo(new FeatureExtractorConfig.ResizeSize(256, null, null));
        assertThat(a.cropSize()).isEqualTo(new FeatureExtractorConfig.CropSize(200, 210));
        assertThat(a.imageMean()).containsExactly(0.5, 0.5, 0.5);
        write(f, "{\"size\": {\"height\": 224, \"width\": 240}}");
        FeatureExtractorConfig b = FeatureExtractorConfig.read(f);
        assertThat(b.size().isShortestEdge()).isFalse();
        assertThat(b.size().height()).isEqualTo(224);
        assertThat(b.size().width()).isEqualTo(240);
    }

    @Test
    void wrongTypeNamesFileAndKey(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("sc.json");
        write(f, "{\"vision_config\": {\"hidden_size\": 32.5}}");
        assertThatThrownBy(() -> SafetyCheckerConfig.read(f))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("'vision_config.hidden_size'").hasMessageContaining("expected an integer");
    }
}
