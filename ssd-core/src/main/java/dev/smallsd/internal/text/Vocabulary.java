package dev.smallsd.internal.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The token strings of a tokenizer definition ({@code model.vocab} and {@code added_tokens} of a
 * {@code tokenizer.json}-style object) and its size, {@code max id + 1} (transformers' {@code len(tokenizer)}).
 * Used to refuse a textual-inversion token the tokenizer already has and to number new tokens after the last id.
 *
 * @param tokens every token string
 * @param size one more than the largest id
 */
record Vocabulary(Set<String> tokens, int size) {

    Vocabulary {
        tokens = Set.copyOf(tokens);
    }

    /**
     * @param def a tokenizer definition in the {@code tokenizer.json} layout
     * @return its vocabulary
     */
    static Vocabulary of(JsonObject def) {
        Set<String> tokens = new HashSet<>();
        int size = 0;
        JsonElement model = def.get("model");
        if (model != null && model.isJsonObject() && model.getAsJsonObject().get("vocab") instanceof JsonObject v) {
            for (Map.Entry<String, JsonElement> e : v.entrySet()) {
                tokens.add(e.getKey());
                if (e.getValue().isJsonPrimitive() && e.getValue().getAsJsonPrimitive().isNumber()) {
                    size = Math.max(size, e.getValue().getAsInt() + 1);
                }
            }
        }
        JsonElement added = def.get("added_tokens");
        if (added != null && added.isJsonArray()) {
            for (JsonElement e : added.getAsJsonArray()) {
                if (e.isJsonObject() && e.getAsJsonObject().has("content") && e.getAsJsonObject().has("id")) {
                    tokens.add(e.getAsJsonObject().get("content").getAsString());
                    size = Math.max(size, e.getAsJsonObject().get("id").getAsInt() + 1);
                }
            }
        }
        return new Vocabulary(tokens, size);
    }

    /**
     * @param token a token string
     * @return whether it is in the vocabulary
     */
    boolean contains(String token) {
        return tokens.contains(token);
    }
}
