package dev.smallsd.benchmarks;

import dev.smallsd.Precision;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.io.config.AutoencoderTinyConfig;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.internal.vae.AutoencoderTiny;
import dev.smallsd.internal.vae.DecoderTiny;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TinyVaeDecodeBenchmarkTest {
    /**
     * Counted from diffusers v0.27.2's {@code DecoderTiny} with TAESD's sizes (64 channels, 3-3-3-1 blocks):
     * conv_in 4→64 (2,368) + 10 {@code AutoencoderTinyBlock}s of three 64→64 3×3 convolutions (10 × 110,784) + three
     * bias-free 64→64 convolutions after the upsamplings (3 × 36,864) + conv_out 64→3 (1,731) = 1,222,531, i.e.
     * 4.89 MB in float32, the size of the published {@code taesd_decoder.pth} (4.7 MiB).
     */
    static final long TAESD_DECODER_PARAMETERS = 1_222_531L;
    /** The encoder has one parameter more than the decoder (a 64→4 conv_out with 4 biases vs 4→64 conv_in). */
    static final long TAESD_PARAMETERS = TAESD_DECODER_PARAMETERS + 1_222_532L;

    @Test
    void bundledConfigIsTaesd() {
        AutoencoderTinyConfig c = TinyVaeDecodeBenchmark.taesdConfig();
        assertThat(c.decoderBlockOutChannels()).containsExactly(64, 64, 64, 64);
        assertThat(c.encoderBlockOutChannels()).containsExactly(64, 64, 64, 64);
        assertThat(c.numDecoderBlocks()).containsExactly(3, 3, 3, 1);
        assertThat(c.numEncoderBlocks()).containsExactly(1, 3, 3, 3);
        assertThat(c.actFn()).isEqualTo("relu");
        assertThat(c.latentChannels()).isEqualTo(4);
        assertThat(c.spatialFactor()).isEqualTo(8);
        assertThat(c.scalingFactor()).isEqualTo(1.0);
    }

    @Test
    void fullSizeTinyAutoencoderHasTaesdsParameterCount() {
        AutoencoderTinyConfig c = TinyVaeDecodeBenchmark.taesdConfig();
        try (NDManager m = NDManager.newBaseManager(BenchmarkEnvironment.ENGINE)) {
            Weights all = Weights.shapesOnly(m);
            new AutoencoderTiny(c, all);
            assertThat(all.parameterCount()).isEqualTo(TAESD_PARAMETERS);

            Weights decoder = Weights.shapesOnly(m);
            new DecoderTiny(decoder, c.latentChannels(), c.outChannels(), c.numDecoderBlocks(),
                    c.decoderBlockOutChannels(), c.upsamplingScalingFactor(), c.actFn());
            assertThat(decoder.parameterCount()).isEqualTo(TAESD_DECODER_PARAMETERS);
        }
    }

    @ParameterizedTest(name = "precision {0}")
    @EnumSource(Precision.class)
    void stateDecodesALatentToAnImageOfTheRequestedSize(Precision precision) {
        TinyVaeDecodeBenchmark.TinyVaeState s = new TinyVaeDecodeBenchmark.TinyVaeState();
        s.size = 64; // a small image: the benchmark's own sizes are 256 and 512
        s.precision = precision;
        s.setUpComponent();
        try {
            assertThat(s.parameterCount()).isEqualTo(TAESD_PARAMETERS);
            assertThat(s.latents.getShape()).isEqualTo(new Shape(1, 4, 8, 8));
            assertThat(new TinyVaeDecodeBenchmark().decode(s)).isEqualTo(3L * 64 * 64);
        } finally {
            s.tearDownComponent();
        }
    }
}
