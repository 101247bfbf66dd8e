/**
 * <b>Internal to small-stable-diffusion</b>: public only so the library's own modules can share it; no compatibility
 * promise, and not part of the Javadoc. Use the API in {@code dev.smallsd} instead.
 *
 * <p>Model folders and weight files: {@code ModelDirectory}, the safetensors and {@code .bin} readers, checkpoint key handling.
 */
package dev.smallsd.internal.io;
