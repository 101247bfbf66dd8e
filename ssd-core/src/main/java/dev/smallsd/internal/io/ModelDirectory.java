package dev.smallsd.internal.io;

import dev.smallsd.ModelLoadException;

import dev.smallsd.internal.io.config.AutoencoderKLConfig;
import dev.smallsd.internal.io.config.ClipTextConfig;
import dev.smallsd.internal.io.config.ConfigJson;
import dev.smallsd.internal.io.config.ModelIndex;
import dev.smallsd.internal.io.config.TokenizerConfig;
import dev.smallsd.internal.io.config.UNet2DConditionConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A diffusers pipeline folder ({@code model_index.json} plus one sub-folder per component), or the built-in
 * small-stable-diffusion-v0 architecture (configs only, no weights; see {@link #builtinArchitecture()}).
 *
 * <p>{@code model_index.json} is parsed when the directory is opened; each component's config is parsed on first
 * use and then cached, so a broken config only fails when that component is needed. Every failure is a
 * {@link ModelLoadException} naming the file and, where it applies, the key. Instances are immutable and
 * thread-safe.
 */
public final class ModelDirectory {
    /** The UNet component folder. */
    public static final String UNET = "unet";
    /** The VAE component folder. */
    public static final String VAE = "vae";
    /** The CLIP text encoder component folder. */
    public static final String TEXT_ENCODER = "text_encoder";
    /** The tokenizer component folder. */
    public static final String TOKENIZER = "tokenizer";
    /** The scheduler component folder. */
    public static final String SCHEDULER = "scheduler";
    /** The safety checker component folder. */
    public static final String SAFETY_CHECKER = "safety_checker";
    /** The safety checker's image preprocessing component folder. */
    public static final String FEATURE_EXTRACTOR = "feature_extractor";

    /** The file name of the scheduler config. */
    public static final String SCHEDULER_CONFIG = "scheduler_config.json";

    private static final String BUILTIN_NAME = "small-stable-diffusion-v0";
    private static final String BUILTIN_RESOURCE = "/dev/smallsd/configs/" + BUILTIN_NAME + "/";
    private static final Pattern COMPONENT_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

    /** Where config files come from: a folder on disk or the classpath. */
    private interface Source {
        /** @return the path named in errors for a file relative to the model root */
        Path label(String relative);

        /** @return whether the file exists */
        boolean exists(String relative);

        /** @return the parsed file */
        ConfigJson read(String relative);
    }

    private final Path root;
    private final Source source;
    private final ModelIndex index;
    private final Map<String, Object> cache = new ConcurrentHashMap<>();

    private ModelDirectory(Path root, Source source) {
        this.root = root;
        this.source = source;
        this.index = ModelIndex.parse(source.read(ModelIndex.FILE_NAME));
    }

    /**
     * Opens a diffusers model folder and parses its {@code model_index.json}.
     *
     * @param folder the folder (e.g. a Hugging Face snapshot directory)
     * @return the model directory
     * @throws ModelLoadException when the folder does not exist, has no {@code model_index.json} or it is malformed
     */
    public static ModelDirectory open(Path folder) {
        Path root = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new ModelLoadException(root, "not a diffusers model folder: "
                    + (Files.exists(root) ? "it is not a directory" : "it does not exist"));
        }
        if (!Files.isRegularFile(root.resolve(ModelIndex.FILE_NAME))) {
            throw new ModelLoadException(root, "not a diffusers model folder: it has no " + ModelIndex.FILE_NAME
                    + " (expected the layout of StableDiffusionPipeline.save_pretrained: model_index.json, unet/, "
                    + "vae/, text_encoder/, tokenizer/, scheduler/, ...)");
        }
        return new ModelDirectory(root, new Source() {
            @Override
            public Path label(String relative) {
                return root.resolve(relative);
            }

            @Override
            public boolean exists(String relative) {
                return Files.isRegularFile(root.resolve(relative));
            }

            @Override
            public ConfigJson read(String relative) {
                return ConfigJson.read(root.resolve(relative));
            }
        });
    }

    /**
     * The full-size small-stable-diffusion-v0 architecture configs bundled in this library (model index and every
     * component config; no weights, no tokenizer vocabulary). Benchmarks and memory tests build full-size models
     * with random weights from it. {@link #hasWeights()} is false and {@link #root()} is empty.
     *
     * @return the built-in model directory
     */
    public static ModelDirectory builtinArchitecture() {
        return new ModelDirectory(null, new Source() {
            @Override
            public Path label(String relative) {
                return Path.of(BUILTIN_RESOURCE.substring(1) + relative);
            }

            @Override
            public boolean exists(String relative) {
                return ModelDirectory.class.getResource(BUILTIN_RESOURCE + relative) != null;
            }

            @Override
            public ConfigJson read(String relative) {
                try (InputStream in = ModelDirectory.class.getResourceAsStream(BUILTIN_RESOURCE + relative)) {
                    if (in == null) {
                        throw new ModelLoadException(label(relative), "missing config file (built-in resource)");
                    }
                    return ConfigJson.parse(in.readAllBytes(), label(relative));
                } catch (IOException e) {
                    throw new ModelLoadException(label(relative), "cannot read built-in resource: " + e, e);
                }
            }
        });
    }

    /** @return the model folder, or empty for the {@link #builtinArchitecture() built-in architecture} */
    public Optional<Path> root() {
        return Optional.ofNullable(root);
    }

    /** @return whether this is a folder on disk that may hold weights (false for the built-in architecture) */
    public boolean hasWeights() {
        return root != null;
    }

    /** @return the parsed {@code model_index.json} */
    public ModelIndex modelIndex() {
        return index;
    }

    /**
     * @param component a component key such as {@link #UNET}
     * @return whether {@code model_index.json} declares it (not as {@code null})
     */
    public boolean hasComponent(String component) {
        return index.hasComponent(component);
    }

    /**
     * @param component a component key such as {@link #UNET}
     * @return its folder ({@code <root>/<component>}); it may not exist
     * @throws ModelLoadException for the built-in architecture, or when the name is not a plain folder name
     */
    public Path componentDir(String component) {
        checkName(component);
        if (root == null) {
            throw new ModelLoadException(source.label(component), "the built-in architecture has no component folders"
                    + " or weights; open a downloaded model folder with ModelDirectory.open(path)");
        }
        return root.resolve(component);
    }

    private void checkName(String component) {
        if (component == null || !COMPONENT_NAME.matcher(component).matches() || component.contains("..")) {
            throw new ModelLoadException(source.label(ModelIndex.FILE_NAME), "invalid component name '" + component
                    + "'");
        }
    }

    private void requireDeclared(String component) {
        if (!index.hasComponent(component)) {
            throw new ModelLoadException(source.label(ModelIndex.FILE_NAME), "key '" + component
                    + "': the pipeline declares no " + component + " component");
        }
    }

    @SuppressWarnings("unchecked")
    private <T> T cached(String key, Function<String, T> parse) {
        Object v = cache.get(key);
        if (v == null) {
            v = parse.apply(key);
            Object prev = cache.putIfAbsent(key, v);
            if (prev != null) {
                v = prev;
            }
        }
        return (T) v;
    }

    private ConfigJson componentFile(String component, String file) {
        requireDeclared(component);
        checkName(component);
        return source.read(component + "/" + file);
    }

    /**
     * @return the UNet config ({@code unet/config.json})
     * @throws ModelLoadException when the component is not declared or its config is missing, malformed or
     *     unsupported
     */
    public UNet2DConditionConfig unetConfig() {
        return cached(UNET, k -> UNet2DConditionConfig.parse(componentFile(UNET, UNet2DConditionConfig.FILE_NAME)));
    }

    /**
     * @return the VAE config ({@code vae/config.json})
     * @throws ModelLoadException when the component is not declared or its config is missing or malformed
     */
    public AutoencoderKLConfig vaeConfig() {
        return cached(VAE, k -> AutoencoderKLConfig.parse(componentFile(VAE, AutoencoderKLConfig.FILE_NAME)));
    }

    /**
     * @return the text encoder config ({@code text_encoder/config.json})
     * @throws ModelLoadException when the component is not declared or its config is missing or malformed
     */
    public ClipTextConfig textEncoderConfig() {
        return cached(TEXT_ENCODER,
                k -> ClipTextConfig.parse(componentFile(TEXT_ENCODER, ClipTextConfig.FILE_NAME)));
    }

    /**
     * The config of an optional component that this module does not interpret itself (the safety checker's
     * {@code safety_checker/config.json} and {@code feature_extractor/preprocessor_config.json} are parsed by
     * ssd-safety), parsed on first use and cached.
     *
     * @param component a component key such as {@link #SAFETY_CHECKER}
     * @param fileName the config file inside the component folder
     * @param parser parses and validates the file (failing with a {@link ModelLoadException} naming file and key)
     * @param <T> the config type
     * @return the config, or empty when {@code model_index.json} declares no such component (absent or {@code null})
     * @throws ModelLoadException when declared but the file is missing or malformed
     */
    public <T> Optional<T> optionalConfig(String component, String fileName, Function<ConfigJson, T> parser) {
        if (!index.hasComponent(component)) {
            return Optional.empty();
        }
        return Optional.of(cached(component + "/" + fileName, k -> parser.apply(componentFile(component, fileName))));
    }

    /**
     * @return the tokenizer settings ({@code tokenizer/tokenizer_config.json} overlaid with
     *     {@code special_tokens_map.json}; both optional)
     * @throws ModelLoadException when the component is not declared or a present file is malformed
     */
    public TokenizerConfig tokenizerConfig() {
        return cached(TOKENIZER, k -> {
            requireDeclared(TOKENIZER);
            String main = TOKENIZER + "/" + TokenizerConfig.FILE_NAME;
            String special = TOKENIZER + "/" + TokenizerConfig.SPECIAL_TOKENS_FILE;
            return TokenizerConfig.parse(source.exists(main) ? source.read(main) : null,
                    source.exists(special) ? source.read(special) : null);
        });
    }

    /**
     * The scheduler config ({@code scheduler/scheduler_config.json}) as plain values in file order; the schedulers
     * module interprets it. See {@link ConfigJson#toPlainMap()} for the value types.
     *
     * @return the unmodifiable ordered map
     * @throws ModelLoadException when the component is not declared or its config is missing or malformed
     */
    public Map<String, Object> schedulerConfig() {
        return cached(SCHEDULER, k -> componentFile(SCHEDULER, SCHEDULER_CONFIG).toPlainMap());
    }

    /**
     * Chooses a component's weight file as diffusers does (see {@link WeightFiles}).
     *
     * @param component a component key such as {@link #UNET}
     * @param variant a variant such as {@code "fp16"}, or {@code null}
     * @param warn receives a warning when the variant is missing and the regular file is used (may be {@code null})
     * @return the file
     * @throws ModelLoadException when the component has no weight file, or for the built-in architecture
     */
    public Path weightFile(String component, String variant, Consumer<String> warn) {
        return WeightFiles.resolve(componentDir(component), variant, warn);
    }

    /**
     * Opens a component's weight file ({@code .safetensors} or PyTorch {@code .bin}).
     *
     * @param component a component key such as {@link #UNET}
     * @param variant a variant such as {@code "fp16"}, or {@code null}
     * @param warn receives a warning when the variant is missing and the regular file is used (may be {@code null})
     * @return the open tensor file; close it when done
     * @throws ModelLoadException when there is no weight file or it is malformed
     */
    public TensorFile openWeights(String component, String variant, Consumer<String> warn) {
        return TensorFiles.open(weightFile(component, variant, warn));
    }

    @Override
    public String toString() {
        return root != null ? "ModelDirectory[" + root + "]" : "ModelDirectory[builtin " + BUILTIN_NAME + "]";
    }
}
