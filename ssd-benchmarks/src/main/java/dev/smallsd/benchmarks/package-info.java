/** JMH benchmarks on the full-size small-stable-diffusion-v0 architecture with deterministic random weights. */
package dev.smallsd.benchmarks;
