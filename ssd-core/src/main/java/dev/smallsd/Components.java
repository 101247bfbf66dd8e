package dev.smallsd;

import dev.smallsd.internal.text.ClipTextModel;
import dev.smallsd.internal.text.ClipTokenizer;
import dev.smallsd.internal.unet.UNet2DConditionModel;
import dev.smallsd.internal.vae.Autoencoder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Already-built models from which {@link SmallStableDiffusion.Builder#components} assembles an instance without
 * reading a model folder (diffusers' {@code StableDiffusionPipeline(**components)}): for benchmarks and tools that
 * build the networks in memory, e.g. with deterministic random weights.
 *
 * <p>The instance built from them takes over the tokenizer (and the builder's safety checker) and closes them; the
 * networks' weights stay owned by the caller's {@code NDManager}, which must outlive the instance.
 *
 * @param tokenizer the CLIP tokenizer
 * @param textEncoder the CLIP text encoder
 * @param unet the denoising UNet
 * @param vae the autoencoder
 * @param schedulerConfig the model's {@code scheduler_config.json} as a map (the beta settings every scheduler
 *     type is built from; its {@code _class_name} is the default scheduler, PNDM when absent)
 * @param name the model name written into PNG parameters and {@link GenerationResult#model()}
 */
public record Components(ClipTokenizer tokenizer, ClipTextModel textEncoder, UNet2DConditionModel unet,
        Autoencoder vae, Map<String, Object> schedulerConfig, String name) {

    /** Checks that every component is present and copies the scheduler config. */
    public Components {
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(textEncoder, "textEncoder");
        Objects.requireNonNull(unet, "unet");
        Objects.requireNonNull(vae, "vae");
        schedulerConfig = Collections.unmodifiableMap(
                new LinkedHashMap<>(Objects.requireNonNull(schedulerConfig, "schedulerConfig")));
        Objects.requireNonNull(name, "name");
    }
}
