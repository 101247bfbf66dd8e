package dev.smallsd.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which files of a pipeline repository are needed. */
class PipelineFilesTest {
    private static final JsonObject INDEX = JsonParser.parseString("{\"_class_name\": \"StableDiffusionPipeline\","
            + " \"_diffusers_version\": \"0.27.2\", \"requires_safety_checker\": false,"
            + " \"feature_extractor\": [\"transformers\", \"CLIPImageProcessor\"], \"safety_checker\": [null, null],"
            + " \"scheduler\": [\"diffusers\", \"PNDMScheduler\"], \"tokenizer\": [\"transformers\", \"CLIPTokenizer\"],"
            + " \"unet\": [\"diffusers\", \"UNet2DConditionModel\"]}").getAsJsonObject();

    private static final List<String> REPO = List.of("model_index.json", "v1-5-pruned.ckpt", "README.md",
            "feature_extractor/preprocessor_config.json", "safety_checker/config.json",
            "safety_checker/pytorch_model.bin", "scheduler/scheduler_config.json", "tokenizer/vocab.json",
            "tokenizer/merges.txt", "tokenizer/special_tokens_map.json", "tokenizer/tokenizer_config.json",
            "tokenizer/tokenizer.json", "unet/config.json", "unet/diffusion_pytorch_model.bin",
            "unet/diffusion_pytorch_model.safetensors", "unet/diffusion_pytorch_model.fp16.safetensors",
            "unet/diffusion_flax_model.msgpack", "unet/model.onnx", "unet/sub/config.json");

    @Test
    void picksConfigsAndOneWeightPerNamedComponent() {
        PipelineFiles.Selection s = PipelineFiles.select(INDEX, REPO, null, null);

        assertThat(s.problems()).isEmpty();
        assertThat(s.files()).containsExactly("model_index.json", "feature_extractor/preprocessor_config.json",
                "scheduler/scheduler_config.json", "tokenizer/merges.txt", "tokenizer/special_tokens_map.json",
                "tokenizer/tokenizer.json", "tokenizer/tokenizer_config.json", "tokenizer/vocab.json",
                "unet/config.json", "unet/diffusion_pytorch_model.safetensors");
    }

    @Test
    void variantIsPreferredAndMissingVariantsWarn() {
        JsonObject index = INDEX.deepCopy();
        index.add("text_encoder", JsonParser.parseString("[\"transformers\", \"CLIPTextModel\"]"));
        List<String> files = new ArrayList<>(REPO);
        files.add("text_encoder/config.json");
        files.add("text_encoder/pytorch_model.bin");
        List<String> warnings = new ArrayList<>();

        PipelineFiles.Selection s = PipelineFiles.select(index, files, "fp16", warnings::add);

        assertThat(s.files()).contains("unet/diffusion_pytorch_model.fp16.safetensors", "text_encoder/pytorch_model.bin")
                .doesNotContain("unet/diffusion_pytorch_model.safetensors");
        assertThat(warnings).singleElement().asString().startsWith("text_encoder: ").contains("fp16");
    }

    @Test
    void componentsWithoutFilesOrWeightsAreProblems() {
        List<String> files = List.of("model_index.json", "unet/config.json", "unet/diffusion_flax_model.msgpack");

        PipelineFiles.Selection s = PipelineFiles.select(INDEX, files, null, null);

        assertThat(s.problems()).anyMatch(p -> p.contains("'unet'") && p.contains("no weight file"))
                .anyMatch(p -> p.contains("'tokenizer'") && p.contains("no files"))
                .noneMatch(p -> p.contains("safety_checker"));
    }

    @Test
    void unsafeComponentNamesAreRefused() {
        JsonObject index = JsonParser.parseString("{\"unet/../..\": [\"diffusers\", \"X\"]}").getAsJsonObject();

        assertThatThrownBy(() -> PipelineFiles.components(index)).isInstanceOf(UnsafePathException.class);
    }
}
