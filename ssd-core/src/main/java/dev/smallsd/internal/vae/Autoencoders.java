package dev.smallsd.internal.vae;

import ai.djl.ndarray.NDManager;
import dev.smallsd.ModelLoadException;
import dev.smallsd.Precision;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.TensorFiles;
import dev.smallsd.internal.io.WeightFiles;
import dev.smallsd.internal.io.config.AutoencoderKLConfig;
import dev.smallsd.internal.io.config.AutoencoderTinyConfig;
import dev.smallsd.internal.io.config.ConfigJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Loads a standalone autoencoder folder ({@code config.json} + weights) as the class its config names. */
public final class Autoencoders {
    private Autoencoders() {}

    /**
     * @param folder a diffusers model folder of {@code AutoencoderKL} or {@code AutoencoderTiny}
     * @param variant a weight variant or {@code null}
     * @param warn receives file-choice warnings
     * @param manager owner of the weights
     * @return the autoencoder
     * @throws ModelLoadException when the folder, its config or its weights are unusable
     */
    public static Autoencoder load(Path folder, String variant, Consumer<String> warn, NDManager manager) {
        return load(folder, variant, warn, manager, Precision.FP32);
    }

    /**
     * {@link #load(Path, String, Consumer, NDManager)} with the weights held (and the model computed) in
     * {@code precision}.
     *
     * @param folder a diffusers model folder of {@code AutoencoderKL} or {@code AutoencoderTiny}
     * @param variant a weight variant or {@code null}
     * @param warn receives file-choice warnings
     * @param manager owner of the weights
     * @param precision the weights' precision
     * @return the autoencoder
     * @throws ModelLoadException when the folder, its config or its weights are unusable
     */
    public static Autoencoder load(Path folder, String variant, Consumer<String> warn, NDManager manager,
            Precision precision) {
        Path configFile = folder.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new ModelLoadException(configFile, "an autoencoder folder needs a config.json");
        }
        ConfigJson j = ConfigJson.read(configFile);
        String cls = j.stringOr("_class_name", "AutoencoderKL");
        try (TensorFile f = TensorFiles.open(WeightFiles.resolve(folder, variant, warn))) {
            switch (cls) {
                case AutoencoderTinyConfig.CLASS_NAME:
                    return AutoencoderTiny.load(AutoencoderTinyConfig.parse(j), f, manager, precision);
                case "AutoencoderKL":
                    return AutoencoderKL.load(AutoencoderKLConfig.parse(j), f, manager, precision);
                default:
                    throw j.error("_class_name", "\"" + cls + "\" is not a supported autoencoder "
                            + "(AutoencoderKL, AutoencoderTiny)");
            }
        }
    }
}
