package dev.smallsd.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Derived seeds: a function of the job seed and the key columns' values only, stable across releases. */
class RowSeedsTest {
    private static final List<String> KEYS = List.of("prompt", "negative_prompt");

    private static long seed(long job, Object... values) {
        return RowSeeds.derive(job, KEYS, Arrays.asList(values));
    }

    @Test
    void theEncodingIsPinned() {
        // a change here changes every derived seed, and with it every image of every job: never change it
        assertThat(seed(0, "an apple, 4k", "blurry")).isEqualTo(PINNED);
    }

    /**
     * First 4 bytes (big-endian) of SHA-256 of "ssd-spark row seed v1", the job seed 0 as 8 big-endian bytes, then
     * each of "prompt", "San apple, 4k", "negative_prompt", "Sblurry" as a 4-byte big-endian length and UTF-8 bytes;
     * computed independently with Python's hashlib.
     */
    private static final long PINNED = 1_270_691_852L;

    @Test
    void seedsAreUnsigned32BitAndDependOnEveryInput() {
        long s = seed(0, "an apple, 4k", null);
        assertThat(s).isBetween(0L, 0xFFFF_FFFFL);
        assertThat(seed(0, "an apple, 4k", null)).isEqualTo(s);
        assertThat(seed(1, "an apple, 4k", null)).isNotEqualTo(s);
        assertThat(seed(0, "an apple, 4k", "")).isNotEqualTo(s);
        assertThat(seed(0, "an apple", ", 4k")).isNotEqualTo(seed(0, "an apple, ", "4k"));
        assertThat(RowSeeds.derive(0, List.of("negative_prompt", "prompt"), Arrays.asList("an apple, 4k", null)))
                .isNotEqualTo(s);
    }

    @Test
    void numbersAreHashedByValueNotByStorageType() {
        assertThat(RowSeeds.canonical(30)).isEqualTo(RowSeeds.canonical(30L)).isEqualTo(RowSeeds.canonical(30.0))
                .isEqualTo(RowSeeds.canonical(new BigDecimal("30.000"))).isEqualTo("I30");
        assertThat(RowSeeds.canonical(7.5)).isEqualTo(RowSeeds.canonical(new BigDecimal("7.50"))).isEqualTo("D7.5");
        assertThat(RowSeeds.canonical("30")).isEqualTo("S30");
        assertThat(RowSeeds.canonical(null)).isEqualTo("N");
        assertThat(RowSeeds.canonical(new byte[] {1, (byte) 0xAB})).isEqualTo("X01ab");
    }
}
