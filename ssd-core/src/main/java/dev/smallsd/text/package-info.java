/**
 * Prompt text to embeddings: the CLIP text encoder ({@link dev.smallsd.text.ClipTextModel}) built on the shared CLIP
 * transformer blocks of {@link dev.smallsd.clip}.
 */
package dev.smallsd.text;
