/**
 * <b>Internal to small-stable-diffusion</b>: public only so the library's own modules can share it; no compatibility
 * promise, and not part of the Javadoc. Use the API in {@code dev.smallsd} instead.
 *
 * <p>The pipeline: {@code StableDiffusionPipeline#run} reads as the algorithm (txt2img, img2img, inpainting), {@code PipelineLoader} builds it from a folder or components.
 */
package dev.smallsd.internal.pipeline;
