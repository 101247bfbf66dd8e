/**
 * Noise schedulers ported from Hugging Face diffusers: pure math over DJL {@code NDArray}, one scheduler per file.
 * Depends on {@code ai.djl:api} only.
 */
package dev.smallsd.schedulers;
