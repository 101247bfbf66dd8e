/**
 * CLIP transformer blocks shared by the text encoder and the safety checker's vision tower (which lives in
 * ssd-safety): attention, MLP, encoder layer and encoder, sized by a {@link dev.smallsd.clip.ClipEncoderSpec}.
 * Parameter names are the Hugging Face checkpoint keys; the key prefix of a tower is given by its caller.
 */
package dev.smallsd.clip;
