/**
 * <b>Internal to small-stable-diffusion</b>: public only so the library's own modules can share it; no compatibility
 * promise, and not part of the Javadoc. Use the API in {@code dev.smallsd} instead.
 *
 * <p>The engine behind {@code dev.smallsd.SmallStableDiffusion}: model blocks, weight loading, text handling and the pipeline, one sub-package each.
 */
package dev.smallsd.internal;
