/**
 * <b>Internal to small-stable-diffusion</b>: public only so the library's own modules can share it; no compatibility
 * promise, and not part of the Javadoc. Use the API in {@code dev.smallsd} instead.
 *
 * <p>CLIP transformer blocks shared by the text encoder and the safety checker's vision tower (which lives in
 * ssd-safety): attention, MLP, encoder layer and encoder, sized by a {@link dev.smallsd.internal.clip.ClipEncoderSpec}.
 * Parameter names are the Hugging Face checkpoint keys; the key prefix of a tower is given by its caller.
 */
package dev.smallsd.internal.clip;
