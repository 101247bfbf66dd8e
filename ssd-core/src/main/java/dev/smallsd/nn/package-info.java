/**
 * Thin layers over DJL operations whose parameter names are checkpoint keys, and {@link dev.smallsd.nn.Weights},
 * the source of those parameters (a checkpoint file or deterministic random values).
 *
 * <p>Every layer is immutable after construction and safe to call from several threads. Layers call operations on
 * their input (never on a weight), so results belong to the caller's manager and scope.
 */
package dev.smallsd.nn;
