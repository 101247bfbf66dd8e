/**
 * <b>Internal to small-stable-diffusion</b>: public only so the library's own modules can share it; no compatibility
 * promise, and not part of the Javadoc. Use the API in {@code dev.smallsd} instead.
 *
 * <p>LoRA files (kohya/sd-scripts and diffusers/PEFT names): reading and checking them ({@link dev.smallsd.internal.lora.LoraFile}),
 * fusing them into the weights while a model loads, or keeping them apart for the unfused per-request path
 * ({@link dev.smallsd.internal.lora.LoraSet}, {@link dev.smallsd.internal.nn.LowRankAdapters}), and AUTOMATIC1111's
 * {@code <lora:name:weight>} prompt tags ({@link dev.smallsd.internal.lora.LoraPromptTags}).
 */
package dev.smallsd.internal.lora;
