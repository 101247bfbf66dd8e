/**
 * <b>Internal to small-stable-diffusion</b>: public only so the library's own modules can share it; no compatibility
 * promise, and not part of the Javadoc. Use the API in {@code dev.smallsd} instead.
 *
 * <p>Prompt text to embeddings: the CLIP text encoder ({@link dev.smallsd.internal.text.ClipTextModel}) built on the shared CLIP
 * transformer blocks of {@link dev.smallsd.internal.clip}.
 */
package dev.smallsd.internal.text;
