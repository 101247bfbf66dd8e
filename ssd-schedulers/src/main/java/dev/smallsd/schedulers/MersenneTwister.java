package dev.smallsd.schedulers;

/**
 * The 32-bit Mersenne Twister as PyTorch's {@code at::mt19937} implements it (MT19937 with the 2002
 * {@code init_genrand} seeding): the state is seeded from the low 32 bits of the 64-bit seed, and the first output
 * comes after one full twist. The output stream is identical to C++ {@code std::mt19937} and to NumPy's legacy
 * {@code RandomState(seed)} for the same 32-bit seed.
 *
 * <p>Not thread-safe: {@link TorchGenerator} serialises access.
 */
final class MersenneTwister {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_MASK = 0x80000000;
    private static final int LOWER_MASK = 0x7fffffff;

    private final int[] state = new int[N];
    private int left;
    private int next;

    /**
     * Seeds the engine like {@code at::mt19937(seed)}.
     *
     * @param seed the 64-bit seed; only its low 32 bits enter the state
     */
    MersenneTwister(long seed) {
        state[0] = (int) seed;
        for (int j = 1; j < N; j++) {
            int prev = state[j - 1];
            state[j] = 1812433253 * (prev ^ (prev >>> 30)) + j;
        }
        left = 1;
        next = 0;
    }

    /** @return the next tempered 32-bit output (interpret as unsigned) */
    int nextInt() {
        if (--left == 0) {
            twist();
        }
        int y = state[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** @return two outputs joined as PyTorch's {@code random64()} does: the first draw is the high word */
    long nextLong() {
        long hi = nextInt() & 0xffffffffL;
        long lo = nextInt() & 0xffffffffL;
        return (hi << 32) | lo;
    }

    private void twist() {
        left = N;
        next = 0;
        int p = 0;
        for (; p < N - M; p++) {
            state[p] = state[p + M] ^ mix(state[p], state[p + 1]);
        }
        for (; p < N - 1; p++) {
            state[p] = state[p + M - N] ^ mix(state[p], state[p + 1]);
        }
        state[p] = state[p + M - N] ^ mix(state[p], state[0]);
    }

    private static int mix(int u, int v) {
        int bits = (u & UPPER_MASK) | (v & LOWER_MASK);
        return (bits >>> 1) ^ ((v & 1) != 0 ? MATRIX_A : 0);
    }
}
