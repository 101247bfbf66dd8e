/** The CLIP-embedding safety checker of Stable Diffusion and CLIP image preprocessing. */
package dev.smallsd.safety;
