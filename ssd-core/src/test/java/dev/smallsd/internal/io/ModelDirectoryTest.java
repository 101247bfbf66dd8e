package dev.smallsd.internal.io;

import dev.smallsd.ModelLoadException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.internal.io.config.AutoencoderKLConfig;
import dev.smallsd.internal.io.config.ClipTextConfig;
import dev.smallsd.internal.io.config.ComponentSpec;
import dev.smallsd.internal.io.config.ConfigJson;
import dev.smallsd.internal.io.config.TokenizerConfig;
import dev.smallsd.internal.io.config.UNet2DConditionConfig;
import dev.smallsd.testing.Golden;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
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

    /**
     * @param e a JSON int or int list
     * @param n the length an int expands to (diffusers' per-block values), 0 when {@code e} must be a list
     * @return the ints
     */
    private static List<Integer> ints(JsonElement e, int n) {
        if (e.isJsonArray()) {
            List<Integer> out = new ArrayList<>();
            e.getAsJsonArray().forEach(x -> out.add(x.getAsInt()));
            return out;
        }
        assertThat(n).as("a list expected, got " + e).isPositive();
        return Collections.nCopies(n, e.getAsInt());
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

        // expectations come from the folder's own config.json files (the parser's job is to read them), plus the
        // diffusers/transformers defaults and derived values for what a config leaves out
        Path root = Golden.tinyModel();
        JsonObject u = Golden.readJson(root.resolve("unet/config.json"));
        UNet2DConditionConfig unet = dir.unetConfig();
        List<Integer> channels = ints(u.get("block_out_channels"), 0);
        int blocks = channels.size();
        assertThat(unet.blockOutChannels()).containsExactlyElementsOf(channels);
        assertThat(unet.layersPerBlock()).isEqualTo(u.get("layers_per_block").getAsInt());
        List<Integer> headDim = ints(u.get("attention_head_dim"), blocks);
        assertThat(unet.attentionHeadDim()).containsExactlyElementsOf(headDim);
        // diffusers: num_attention_heads defaults to attention_head_dim (the SD v1 mis-naming)
        List<Integer> heads = u.has("num_attention_heads") && !u.get("num_attention_heads").isJsonNull()
                ? ints(u.get("num_attention_heads"), blocks) : headDim;
        assertThat(unet.numAttentionHeads()).containsExactlyElementsOf(heads);
        assertThat(unet.headsOfMidBlock()).isEqualTo(heads.get(blocks - 1));
        assertThat(unet.crossAttentionDim()).isEqualTo(u.get("cross_attention_dim").getAsInt());
        assertThat(unet.normNumGroups()).isEqualTo(u.get("norm_num_groups").getAsInt());
        assertThat(unet.sampleSize()).isEqualTo(u.get("sample_size").getAsInt());
        assertThat(unet.flipSinToCos()).isEqualTo(!u.has("flip_sin_to_cos") || u.get("flip_sin_to_cos").getAsBoolean());
        assertThat(unet.useLinearProjection())
                .isEqualTo(u.has("use_linear_projection") && u.get("use_linear_projection").getAsBoolean());
        assertThat(unet.midBlockType()).isEqualTo(u.has("mid_block_type")
                ? u.get("mid_block_type").getAsString() : "UNetMidBlock2DCrossAttn");
        assertThat(unet.timeEmbedDim()).as("diffusers: block_out_channels[0] * 4").isEqualTo(channels.get(0) * 4);
        assertThat(dir.unetConfig()).isSameAs(unet);

        JsonObject v = Golden.readJson(root.resolve("vae/config.json"));
        AutoencoderKLConfig vae = dir.vaeConfig();
        List<Integer> vaeChannels = ints(v.get("block_out_channels"), 0);
        assertThat(vae.blockOutChannels()).containsExactlyElementsOf(vaeChannels);
        assertThat(vae.layersPerBlock()).isEqualTo(v.get("layers_per_block").getAsInt());
        assertThat(vae.latentChannels()).isEqualTo(v.get("latent_channels").getAsInt());
        assertThat(vae.scalingFactor()).isEqualTo(v.get("scaling_factor").getAsDouble());
        assertThat(vae.spatialFactor()).as("2^(blocks - 1)").isEqualTo(1 << (vaeChannels.size() - 1));
        assertThat(vae.forceUpcast()).as("diffusers default")
                .isEqualTo(!v.has("force_upcast") || v.get("force_upcast").getAsBoolean());

        JsonObject t = Golden.readJson(root.resolve("text_encoder/config.json"));
        ClipTextConfig text = dir.textEncoderConfig();
        assertThat(text.hiddenSize()).isEqualTo(t.get("hidden_size").getAsInt());
        assertThat(text.numHiddenLayers()).isEqualTo(t.get("num_hidden_layers").getAsInt());
        assertThat(text.numAttentionHeads()).isEqualTo(t.get("num_attention_heads").getAsInt());
        assertThat(text.intermediateSize()).isEqualTo(t.get("intermediate_size").getAsInt());
        assertThat(text.vocabSize()).isEqualTo(t.get("vocab_size").getAsInt());
        assertThat(text.maxPositionEmbeddings()).isEqualTo(t.get("max_position_embeddings").getAsInt());
        assertThat(text.hiddenAct()).isEqualTo(t.get("hidden_act").getAsString());
        assertThat(text.eosTokenId()).isEqualTo(t.get("eos_token_id").getAsInt());

        TokenizerConfig tok = dir.tokenizerConfig();
        assertThat(tok.modelMaxLength()).isEqualTo(
                Golden.readJson(root.resolve("tokenizer/tokenizer_config.json")).get("model_max_length").getAsInt());
        assertThat(tok.bosToken()).isEqualTo("<|startoftext|>");
        assertThat(tok.eosToken()).isEqualTo("<|endoftext|>");
        assertThat(tok.padToken()).isEqualTo("<|endoftext|>");
        assertThat(tok.doLowerCase()).isTrue();

        Map<String, Object> sched = dir.schedulerConfig();
        assertThat(sched).as("every key of scheduler_config.json, numbers whole -> Long else Double")
                .isEqualTo(Golden.toMap(Golden.readJson(root.resolve("scheduler/scheduler_config.json"))));
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
