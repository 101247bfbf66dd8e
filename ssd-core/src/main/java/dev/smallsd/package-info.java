/**
 * The API applications use: {@link dev.smallsd.SmallStableDiffusion} (built once, then {@code generate} many times),
 * {@link dev.smallsd.GenerationRequest}, {@link dev.smallsd.GenerationResult}, {@link dev.smallsd.ProgressListener}
 * with {@link dev.smallsd.StepProgress} (and the advanced raw-latents {@link dev.smallsd.StepListener}),
 * {@link dev.smallsd.SafetyMode} and the {@link dev.smallsd.SafetyChecker} plug-in interface.
 */
package dev.smallsd;
