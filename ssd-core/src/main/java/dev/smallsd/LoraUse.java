package dev.smallsd;

/**
 * A LoRA registered on the instance, applied to one request at a scale ({@link GenerationRequest.Builder#lora}).
 *
 * @param name the name it was registered under
 * @param scale the scale (1.0 = as trained)
 */
public record LoraUse(String name, double scale) {}
