/**
 * <b>Internal to small-stable-diffusion</b>: public only so the library's own modules can share it; no compatibility
 * promise, and not part of the Javadoc. Use the API in {@code dev.smallsd} instead.
 *
 * <p>Thin layers over DJL operations whose parameter names are checkpoint keys, and {@link dev.smallsd.internal.nn.Weights},
 * the source of those parameters (a checkpoint file or deterministic random values).
 *
 * <p>Every layer is immutable after construction and safe to call from several threads. Layers call operations on
 * their input (never on a weight), so results belong to the caller's manager and scope.
 */
package dev.smallsd.internal.nn;
