package dev.smallsd.internal.io.config;

import com.google.gson.JsonElement;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The settings of transformers' {@code CLIPTokenizer} from a tokenizer folder: {@code tokenizer_config.json}
 * overlaid with {@code special_tokens_map.json} (which wins, as in transformers). Both files are optional; absent
 * values take CLIPTokenizer's defaults. Special tokens may be written as strings or as {@code AddedToken} objects
 * ({@code {"content": "<|endoftext|>", ...}}). The vocabulary files ({@code vocab.json}, {@code merges.txt}) are
 * read by the tokenizer itself.
 *
 * @param modelMaxLength {@code model_max_length} (default 77, CLIP's context; values beyond int range are clamped)
 * @param bosToken {@code bos_token} (default {@code <|startoftext|>})
 * @param eosToken {@code eos_token} (default {@code <|endoftext|>})
 * @param unkToken {@code unk_token} (default {@code <|endoftext|>})
 * @param padToken {@code pad_token} (default {@code <|endoftext|>})
 * @param doLowerCase {@code do_lower_case} (default true)
 * @param addPrefixSpace {@code add_prefix_space} (default false)
 * @param errors {@code errors}, the UTF-8 decoding error mode (default "replace")
 * @param tokenizerClass {@code tokenizer_class}, or {@code null}
 */
public record TokenizerConfig(
        int modelMaxLength,
        String bosToken,
        String eosToken,
        String unkToken,
        String padToken,
        boolean doLowerCase,
        boolean addPrefixSpace,
        String errors,
        String tokenizerClass) {

    /** The main settings file. */
    public static final String FILE_NAME = "tokenizer_config.json";
    /** The special token overrides. */
    public static final String SPECIAL_TOKENS_FILE = "special_tokens_map.json";
    /** CLIP's start token. */
    public static final String START_OF_TEXT = "<|startoftext|>";
    /** CLIP's end (and padding, unknown) token. */
    public static final String END_OF_TEXT = "<|endoftext|>";

    /** The defaults of a CLIPTokenizer with no config files. */
    public static final TokenizerConfig DEFAULTS = new TokenizerConfig(77, START_OF_TEXT, END_OF_TEXT, END_OF_TEXT,
            END_OF_TEXT, true, false, "replace", null);

    /**
     * Reads the settings of a tokenizer folder.
     *
     * @param folder e.g. {@code <model>/tokenizer}
     * @return the settings
     * @throws dev.smallsd.ModelLoadException when a present file is malformed
     */
    public static TokenizerConfig read(Path folder) {
        Path main = folder.resolve(FILE_NAME);
        Path special = folder.resolve(SPECIAL_TOKENS_FILE);
        return parse(Files.exists(main) ? ConfigJson.read(main) : null,
                Files.exists(special) ? ConfigJson.read(special) : null);
    }

    /**
     * Combines the two files.
     *
     * @param config the parsed {@code tokenizer_config.json}, or {@code null} when absent
     * @param specialTokens the parsed {@code special_tokens_map.json}, or {@code null} when absent
     * @return the settings
     * @throws dev.smallsd.ModelLoadException naming the file and key on a wrong type
     */
    public static TokenizerConfig parse(ConfigJson config, ConfigJson specialTokens) {
        TokenizerConfig d = DEFAULTS;
        int maxLength = d.modelMaxLength;
        boolean lower = d.doLowerCase;
        boolean prefix = d.addPrefixSpace;
        String errors = d.errors;
        String cls = d.tokenizerClass;
        String bos = d.bosToken;
        String eos = d.eosToken;
        String unk = d.unkToken;
        String pad = d.padToken;
        for (ConfigJson j : new ConfigJson[] {config, specialTokens}) {
            if (j == null) {
                continue;
            }
            if (j == config) {
                if (j.has("model_max_length")) {
                    double m = j.doubleOr("model_max_length", maxLength);
                    if (!(m >= 1)) {
                        throw j.error("model_max_length", "must be at least 1, is " + m);
                    }
                    maxLength = m >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) m;
                }
                lower = j.boolOr("do_lower_case", lower);
                prefix = j.boolOr("add_prefix_space", prefix);
                errors = j.stringOr("errors", errors);
                cls = j.stringOr("tokenizer_class", cls);
            }
            bos = token(j, "bos_token", bos);
            eos = token(j, "eos_token", eos);
            unk = token(j, "unk_token", unk);
            pad = token(j, "pad_token", pad);
        }
        return new TokenizerConfig(maxLength, bos, eos, unk, pad, lower, prefix, errors, cls);
    }

    private static String token(ConfigJson j, String key, String def) {
        JsonElement e = j.get(key);
        if (e == null) {
            return def;
        }
        if (e.isJsonObject()) {
            ConfigJson o = j.objectOrNull(key);
            return o.requiredString("content");
        }
        return j.stringOr(key, def);
    }
}
