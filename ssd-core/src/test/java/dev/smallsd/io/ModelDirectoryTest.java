package dev.smallsd.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smallsd.io.config.AutoencoderKLConfig;
import dev.smallsd.io.config.ClipTextConfig;
import dev.smallsd.io.config.ComponentSpec;
import dev.smallsd.io.config.ConfigJson;
import dev.smallsd.io.config.TokenizerConfig;
import dev.smallsd.io.config.UNet2DConditionConfig;
import dev.smallsd.testing.Golden;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDirectoryTest {

    /** The full-size architecture configs shipped next to the fixtures (no weights). */
    static Path fullSizeConfigs() {
        Path p = Golden.root().getParent().resolve("configs").resolve("small-stable-diffusion-v0");
        assertThat(p).as("full-size configs folder").isDirectory();
        return p;
    }

    static void write(Path file, String json) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, json, StandardCharsets.UTF_8);
    }

    @Test
    void tinyModelIndexAndComponentConfigs() {
        ModelDirectory dir = ModelDirectory.open(Golden.tinyModel());
        assertThat(dir.hasWeights()).isTrue();
        assertThat(dir.root()).contains(Golden.tinyModel().toAbsolutePath().normalize());
        assertThat(dir.modelIndex().className()).isEqualTo("StableDiffusionPipeline");
        assertThat(dir.modelIndex().requiresSafetyChecker()).isTrue();
        assertThat(dir.modelIndex().component("unet"))
                .contains(new ComponentSpec("diffusers", "UNet2DConditionModel"));
        assertThat(dir.modelIndex().component("feature_extractor").map(ComponentSpec::className))
                .contains("CLIPFeatureExtractor");
        assertThat(dir.modelIndex().components().keySet()).containsExactlyInAnyOrder("feature_extractor",
                "safety_checker", "scheduler", "text_encoder", "tokenizer", "unet", "vae");

        UNet2DConditionConfig unet = dir.unetConfig();
        assertThat(unet.blockOutChannels()).containsExactly(32, 64, 64, 64);
        assertThat(unet.layersPerBlock()).isEqualTo(1);
        assertThat(unet.attentionHeadDim()).containsExactly(4, 4, 4, 4);
        assertThat(unet.numAttentionHeads()).containsExactly(4, 4, 4, 4);
        assertThat(unet.headsOfMidBlock()).isEqualTo(4);
        assertThat(unet.crossAttentionDim()).isEqualTo(32);
        assertThat(unet.normNumGroups()).isEqualTo(8);
        assertThat(unet.sampleSize()).isEqualTo(8);
        assertThat(unet.flipSinToCos()).isTrue();
        assertThat(unet.useLinearProjection()).isFalse();
        assertThat(unet.midBlockType()).isEqualTo("UNetMidBlock2DCrossAttn");
        assertThat(unet.timeEmbedDim()).isEqualTo(128);
        assertThat(dir.unetConfig()).isSameAs(unet);

        AutoencoderKLConfig vae = dir.vaeConfig();
        assertThat(vae.blockOutChannels()).containsExactly(32, 32, 64, 64);
        assertThat(vae.layersPerBlock()).isEqualTo(2);
        assertThat(vae.latentChannels()).isEqualTo(4);
        assertThat(vae.scalingFactor()).isEqualTo(0.18215);
        assertThat(vae.spatialFactor()).isEqualTo(8);
        assertThat(vae.forceUpcast()).as("diffusers default").isTrue();

        ClipTextConfig text = dir.textEncoderConfig();
        assertThat(text.hiddenSize()).isEqualTo(32);
        assertThat(text.numHiddenLayers()).isEqualTo(2);
        assertThat(text.numAttentionHeads()).isEqualTo(4);
        assertThat(text.intermediateSize()).isEqualTo(128);
        assertThat(text.vocabSize()).isEqualTo(49408);
        assertThat(text.maxPositionEmbeddings()).isEqualTo(77);
        assertThat(text.hiddenAct()).isEqualTo("quick_gelu");
        assertThat(text.eosTokenId()).isEqualTo(2);

        TokenizerConfig tok = dir.tokenizerConfig();
        assertThat(tok.modelMaxLength()).isEqualTo(77);
        assertThat(tok.bosToken()).isEqualTo("<|startoftext|>");
        assertThat(tok.eosToken()).isEqualTo("<|endoftext|>");
        assertThat(tok.padToken()).isEqualTo("<|endoftext|>");
        assertThat(tok.doLowerCase()).isTrue();

        Map<String, Object> sched = dir.schedulerConfig();
        assertThat(sched.get("_class_name")).isEqualTo("PNDMScheduler");
        assertThat(sched.get("num_train_timesteps")).isEqualTo(1000L);
        assertThat(sched.get("beta_start")).isEqualTo(0.00085);
        assertThat(sched.get("skip_prk_steps")).isEqualTo(true);
        assertThat(sched).containsEntry("trained_betas", null);
        assertThat(List.copyOf(sched.keySet())).startsWith("_class_name", "_diffusers_version");

        assertThat(dir.weightFile("unet", null, null).getFileName().toString())
                .isEqualTo("diffusion_pytorch_model.safetensors");
        assertThat(dir.weightFile("unet", "fp16", null).getFileName().toString())
                .isEqualTo("diffusion_pytorch_model.fp16.safetensors");
    }

    @Test
    void fullSizeFolderAndBuiltinArchitectureAgree() {
        ModelDirectory folder = ModelDirectory.open(fullSizeConfigs());
        ModelDirectory builtin = ModelDirectory.builtinArchitecture();
        assertThat(builtin.hasWeights()).isFalse();
        assertThat(builtin.root()).isEmpty();
        for (ModelDirectory d : List.of(folder, builtin)) {
            UNet2DConditionConfig unet = d.unetConfig();
            assertThat(unet.blockOutChannels()).containsExactly(320, 640, 1280, 1280);
            assertThat(unet.layersPerBlock()).isEqualTo(1);
            assertThat(unet.numAttentionHeads()).containsExactly(8, 8, 8, 8);
            assertThat(unet.crossAttentionDim()).isEqualTo(768);
            assertThat(unet.useLinearProjection()).as("absent -> diffusers default").isFalse();
            assertThat(d.vaeConfig().blockOutChannels()).containsExactly(128, 256, 512, 512);
            assertThat(d.textEncoderConfig().hiddenSize()).isEqualTo(768);
        }
        assertThat(builtin.unetConfig()).isEqualTo(folder.unetConfig());
        assertThat(builtin.vaeConfig()).isEqualTo(folder.vaeConfig());
        assertThat(builtin.textEncoderConfig()).isEqualTo(folder.textEncoderConfig());
        assertThat(builtin.tokenizerConfig()).isEqualTo(folder.tokenizerConfig());
        assertThat(builtin.schedulerConfig()).isEqualTo(folder.schedulerConfig());
        assertThat(builtin.modelIndex()).isEqualTo(folder.modelIndex());
        assertThatThrownBy(() -> builtin.weightFile("unet", null, null))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("built-in architecture");
    }

    @Test
    void emptyComponentConfigsTakeLibraryDefaults(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("c.json");
        write(f, "{}");
        UNet2DConditionConfig u = UNet2DConditionConfig.read(f);
        assertThat(u.blockOutChannels()).containsExactly(320, 640, 1280, 1280);
        assertThat(u.layersPerBlock()).isEqualTo(2);
        assertThat(u.numAttentionHeads()).containsExactly(8, 8, 8, 8);
        assertThat(u.crossAttentionDim()).isEqualTo(1280);
        assertThat(u.sampleSize()).isNull();
        AutoencoderKLConfig v = AutoencoderKLConfig.read(f);
        assertThat(v.blockOutChannels()).containsExactly(64);
        assertThat(v.scalingFactor()).isEqualTo(0.18215);
        assertThat(v.sampleSize()).isEqualTo(32);
        assertThat(TokenizerConfig.read(tmp.resolve("no-such-folder"))).isEqualTo(TokenizerConfig.DEFAULTS);
    }

    @Test
    void perBlockHeadsAndExplicitNumAttentionHeads(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("config.json");
        write(f, "{\"attention_head_dim\": [5, 10, 20, 20], \"use_linear_projection\": true,"
                + " \"upcast_attention\": true, \"unknown_future_key\": {\"x\": 1}}");
        UNet2DConditionConfig u = UNet2DConditionConfig.read(f);
        assertThat(u.numAttentionHeads()).containsExactly(5, 10, 20, 20);
        assertThat(u.headsOfDownBlock(1)).isEqualTo(10);
        assertThat(u.headsOfUpBlock(0)).isEqualTo(20);
        assertThat(u.headsOfUpBlock(3)).isEqualTo(5);
        assertThat(u.headsOfMidBlock()).isEqualTo(20);
        assertThat(u.useLinearProjection()).isTrue();
        write(f, "{\"attention_head_dim\": 8, \"num_attention_heads\": 16}");
        assertThat(UNet2DConditionConfig.read(f).numAttentionHeads()).containsExactly(16, 16, 16, 16);
    }

    @Test
    void tokenizerSpecialTokensMapWins(@TempDir Path tmp) throws IOException {
        write(tmp.resolve("tokenizer_config.json"), "{\"model_max_length\": 1000000000000000019884624838656,"
                + " \"bos_token\": {\"content\": \"<s>\"}, \"pad_token\": \"<pad>\"}");
        write(tmp.resolve("special_tokens_map.json"), "{\"pad_token\": \"!\"}");
        TokenizerConfig t = TokenizerConfig.read(tmp);
        assertThat(t.modelMaxLength()).isEqualTo(Integer.MAX_VALUE);
        assertThat(t.bosToken()).isEqualTo("<s>");
        assertThat(t.padToken()).isEqualTo("!");
        assertThat(t.eosToken()).isEqualTo("<|endoftext|>");
    }

    @Test
    void folderWithoutModelIndexIsRejected(@TempDir Path tmp) throws IOException {
        write(tmp.resolve("unet/config.json"), "{}");
        assertThatThrownBy(() -> ModelDirectory.open(tmp))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("not a diffusers model folder")
                .hasMessageContaining("model_index.json")
                .hasMessageContaining(tmp.toString());
        assertThatThrownBy(() -> ModelDirectory.open(tmp.resolve("missing")))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("not a diffusers model folder").hasMessageContaining("does not exist");
    }

    @Test
    void wrongTypeForRequiredFieldNamesFileAndKey(@TempDir Path tmp) throws IOException {
        write(tmp.resolve("model_index.json"), "{\"_class_name\": 5, \"unet\": [\"diffusers\", \"UNet2DConditionModel\"]}");
        assertThatThrownBy(() -> ModelDirectory.open(tmp))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model_index.json").hasMessageContaining("'_class_name'")
                .hasMessageContaining("expected a string");
        write(tmp.resolve("model_index.json"), "{\"unet\": [\"diffusers\", \"UNet2DConditionModel\"]}");
        assertThatThrownBy(() -> ModelDirectory.open(tmp))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("'_class_name'").hasMessageContaining("missing");

        write(tmp.resolve("model_index.json"), "{\"_class_name\": \"StableDiffusionPipeline\","
                + " \"unet\": [\"diffusers\", \"UNet2DConditionModel\"], \"vae\": [\"diffusers\", \"AutoencoderKL\"],"
                + " \"safety_checker\": [null, null]}");
        write(tmp.resolve("unet/config.json"), "{\"block_out_channels\": \"320\"}");
        ModelDirectory dir = ModelDirectory.open(tmp);
        assertThat(dir.hasComponent(ModelDirectory.SAFETY_CHECKER)).as("[null, null] declares none").isFalse();
        assertThatThrownBy(dir::unetConfig)
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(tmp.resolve("unet/config.json").toString())
                .hasMessageContaining("'block_out_channels'")
                .hasMessageContaining("expected a list of integers");
        assertThatThrownBy(dir::vaeConfig)
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(tmp.resolve("vae/config.json").toString())
                .hasMessageContaining("missing config file");
        assertThatThrownBy(dir::textEncoderConfig)
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("'text_encoder'");

        Path f = tmp.resolve("sc.json");
        write(f, "{\"flip_sin_to_cos\": \"true\"}");
        assertThatThrownBy(() -> UNet2DConditionConfig.read(f))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("'flip_sin_to_cos'");
    }

    @Test
    void unsupportedOrInconsistentUnetOptionsAreRejected(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("config.json");
        String[][] cases = {
            {"{\"class_embed_type\": \"timestep\"}", "class_embed_type"},
            {"{\"resnet_time_scale_shift\": \"scale_shift\"}", "resnet_time_scale_shift"},
            {"{\"only_cross_attention\": [false, true, false, false]}", "only_cross_attention"},
            {"{\"dual_cross_attention\": true}", "dual_cross_attention"},
            {"{\"transformer_layers_per_block\": 2}", "transformer_layers_per_block"},
            {"{\"down_block_types\": [\"SimpleCrossAttnDownBlock2D\"], \"up_block_types\": [\"UpBlock2D\"],"
                    + " \"block_out_channels\": [64]}", "down_block_types"},
            {"{\"block_out_channels\": [320, 640]}", "block_out_channels"},
            {"{\"norm_num_groups\": 7}", "norm_num_groups"},
            {"{\"attention_head_dim\": [8, 8]}", "attention_head_dim"},
            {"{\"_class_name\": \"UNet2DModel\"}", "_class_name"},
        };
        for (String[] c : cases) {
            write(f, c[0]);
            assertThatThrownBy(() -> UNet2DConditionConfig.read(f)).as(c[0])
                    .isInstanceOf(ModelLoadException.class).hasMessageContaining("'" + c[1] + "'");
        }
    }

    @Test
    void invalidJsonConfigIsRejected(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("config.json");
        for (String bad : new String[] {"{\"a\": ", "{a: 1}", "[1, 2]", "{\"a\": 1} {\"b\": 2}", "{'a': 1}", ""}) {
            write(f, bad);
            assertThatThrownBy(() -> ConfigJson.read(f)).as(bad)
                    .isInstanceOf(ModelLoadException.class).hasMessageContaining(f.toString());
        }
    }
}
