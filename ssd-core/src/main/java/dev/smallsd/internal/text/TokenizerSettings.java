package dev.smallsd.internal.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.config.ConfigJson;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The special tokens and the maximum length of a tokenizer folder, read from {@code tokenizer_config.json} and
 * {@code special_tokens_map.json} (the latter wins, as in transformers). Either file may be missing; missing values
 * take CLIP's defaults ({@code <|startoftext|>}, {@code <|endoftext|>} for EOS, UNK and PAD, 77 positions).
 *
 * <p>Deliberately small and local: a typed configuration record for the whole model folder replaces it later.
 *
 * @param bos the beginning-of-text token
 * @param eos the end-of-text token
 * @param pad the padding token
 * @param unk the unknown token
 * @param modelMaxLength the sequence length the text encoder takes (with BOS and EOS)
 */
record TokenizerSettings(String bos, String eos, String pad, String unk, int modelMaxLength) {
    static final String CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS = "special_tokens_map.json";

    /** transformers' {@code VERY_LARGE_INTEGER}-style "no limit" values start far above any CLIP length. */
    private static final long UNSET_MAX_LENGTH = 1_000_000L;

    /**
     * @param dir a tokenizer folder
     * @return its settings
     * @throws ModelLoadException when a present file is unreadable or malformed
     */
    static TokenizerSettings read(Path dir) {
        String bos = "<|startoftext|>";
        String eos = "<|endoftext|>";
        String pad = null;
        String unk = null;
        int maxLength = 77;
        for (Path file : new Path[] {dir.resolve(CONFIG), dir.resolve(SPECIAL_TOKENS)}) {
            if (!Files.isRegularFile(file)) {
                continue;
            }
            JsonObject json = readObject(file);
            bos = token(file, json, "bos_token", bos);
            eos = token(file, json, "eos_token", eos);
            pad = token(file, json, "pad_token", pad);
            unk = token(file, json, "unk_token", unk);
            JsonElement len = json.get("model_max_length");
            if (len != null && !len.isJsonNull()) {
                double v;
                try {
                    v = len.getAsDouble();
                } catch (RuntimeException e) {
                    throw new ModelLoadException(file, "model_max_length is not a number: " + len);
                }
                if (v < 3 || v != Math.rint(v)) {
                    throw new ModelLoadException(file, "model_max_length must be an integer >= 3, got " + len);
                }
                if (v < UNSET_MAX_LENGTH) {
                    maxLength = (int) v;
                }
            }
        }
        return new TokenizerSettings(bos, eos, pad == null ? eos : pad, unk == null ? eos : unk, maxLength);
    }

    /** A token entry is either a string or an AddedToken object with {@code content}. */
    private static String token(Path file, JsonObject json, String key, String fallback) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        if (e.isJsonObject() && e.getAsJsonObject().has("content")
                && e.getAsJsonObject().get("content").isJsonPrimitive()) {
            return e.getAsJsonObject().get("content").getAsString();
        }
        throw new ModelLoadException(file, key + " must be a string or an object with \"content\", got " + e);
    }

    /** Reads a JSON object file with the project's strict JSON policy (see {@link ConfigJson#read}). */
    static JsonObject readObject(Path file) {
        return ConfigJson.read(file).json();
    }
}
