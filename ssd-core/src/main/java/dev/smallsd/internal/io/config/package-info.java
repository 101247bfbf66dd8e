/**
 * <b>Internal to small-stable-diffusion</b>: public only so the library's own modules can share it; no compatibility
 * promise, and not part of the Javadoc. Use the API in {@code dev.smallsd} instead.
 *
 * <p>Typed, strictly parsed records of the diffusers {@code config.json} files.
 */
package dev.smallsd.internal.io.config;
