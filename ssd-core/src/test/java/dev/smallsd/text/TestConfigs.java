package dev.smallsd.text;

import com.google.gson.JsonObject;
import dev.smallsd.clip.ClipEncoderSpec;

/** Reads the tower sizes of a CLIP {@code config.json} object for tests. */
final class TestConfigs {
    private TestConfigs() {}

    static ClipEncoderSpec encoderSpec(JsonObject cfg) {
        return new ClipEncoderSpec(cfg.get("hidden_size").getAsInt(), cfg.get("num_hidden_layers").getAsInt(),
                cfg.get("num_attention_heads").getAsInt(), cfg.get("intermediate_size").getAsInt(),
                cfg.get("hidden_act").getAsString(), cfg.get("layer_norm_eps").getAsDouble());
    }
}
