package dev.smallsd;

/**
 * Wall-clock time spent in each phase of one generation, in milliseconds.
 *
 * @param encodeMillis prompt tokenisation and text encoding (and VAE encoding of an init image)
 * @param denoiseMillis the scheduler loop (all UNet calls)
 * @param decodeMillis VAE decoding
 * @param safetyMillis the safety checker (0 when it did not run)
 * @param totalMillis the whole request
 */
public record Timings(long encodeMillis, long denoiseMillis, long decodeMillis, long safetyMillis, long totalMillis) {}
