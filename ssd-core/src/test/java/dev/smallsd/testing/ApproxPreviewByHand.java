package dev.smallsd.testing;

/**
 * The reference of the approximate preview tests: AUTOMATIC1111's "Approx cheap" for SD v1
 * ({@code sd_vae_approx.cheap_approximation}), written out as a sum per colour.
 */
public final class ApproxPreviewByHand {
    /** A1111's factors: row = latent channel, column = R, G, B. */
    private static final double[][] A1111 = {
        {0.298, 0.207, 0.208},
        {0.187, 0.286, 0.173},
        {-0.158, 0.189, 0.264},
        {-0.184, -0.271, -0.473},
    };

    private ApproxPreviewByHand() {}

    /**
     * @param channels the 4 latent channels of one position
     * @param colour 0 = R, 1 = G, 2 = B
     * @return {@code Σ_l channels[l] · F[l][colour]}, in [-1, 1] nominally
     */
    public static double rgb(float[] channels, int colour) {
        double s = 0;
        for (int l = 0; l < A1111.length; l++) {
            s += channels[l] * A1111[l][colour];
        }
        return s;
    }
}
