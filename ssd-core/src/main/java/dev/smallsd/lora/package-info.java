/**
 * LoRA files (kohya/sd-scripts and diffusers/PEFT names): reading and checking them ({@link dev.smallsd.lora.LoraFile}),
 * fusing them into the weights while a model loads, or keeping them apart for the unfused per-request path
 * ({@link dev.smallsd.lora.LoraSet}, {@link dev.smallsd.nn.LowRankAdapters}), and AUTOMATIC1111's
 * {@code <lora:name:weight>} prompt tags ({@link dev.smallsd.lora.LoraPromptTags}).
 */
package dev.smallsd.lora;
