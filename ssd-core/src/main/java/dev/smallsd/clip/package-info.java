/**
 * CLIP transformer blocks shared by the text encoder and the safety checker's vision tower: attention, MLP, encoder
 * layer and encoder, and the vision tower itself. Parameter names are the Hugging Face checkpoint keys; the key prefix
 * of a tower is given by its caller.
 */
package dev.smallsd.clip;
