package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.config.ConfigJson;
import dev.smallsd.testing.Golden;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Properties of the processor that hold for any input: sizes for square, portrait and landscape inputs in both
 * resize directions, exactness on constant colours, monotonic gradients, crop placement and padding, rounding of
 * float images and input validation. Sizes come from the tiny model's {@code feature_extractor} config.
 */
class ClipImageProcessorTest {

    private static ClipImageProcessor processor() {
        return ClipImageProcessor.load(Golden.tinyModel().resolve("feature_extractor"));
    }

    private static int shortestEdge(ClipImageProcessor p) {
        assertThat(p.config().size().isShortestEdge()).as("the SD feature extractor resizes the shortest edge")
                .isTrue();
        return p.config().size().shortestEdge();
    }

    private static Rgb8Image constant(int h, int w, int r, int g, int b) {
        byte[] px = new byte[h * w * 3];
        for (int i = 0; i < h * w; i++) {
            px[3 * i] = (byte) r;
            px[3 * i + 1] = (byte) g;
            px[3 * i + 2] = (byte) b;
        }
        return new Rgb8Image(h, w, px);
    }

    /** A left-to-right ramp 0..255 in every channel and row. */
    private static Rgb8Image horizontalRamp(int h, int w) {
        byte[] px = new byte[h * w * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = x * 255 / (w - 1);
                for (int c = 0; c < 3; c++) {
                    px[(y * w + x) * 3 + c] = (byte) v;
                }
            }
        }
        return new Rgb8Image(h, w, px);
    }

    @Test
    void resizeTargetKeepsAspectWithShortestEdge() {
        ClipImageProcessor p = processor();
        int s = shortestEdge(p);
        // Portrait downscale (512 wide, 768 high), landscape downscale, landscape upscale, square.
        assertThat(p.resizeTarget(768, 512)).isEqualTo(new ClipImageProcessor.Size((int) (s * 768.0 / 512), s));
        assertThat(p.resizeTarget(512, 768)).isEqualTo(new ClipImageProcessor.Size(s, (int) (s * 768.0 / 512)));
        assertThat(p.resizeTarget(64, 128)).isEqualTo(new ClipImageProcessor.Size(s, 2 * s));
        assertThat(p.resizeTarget(64, 64)).isEqualTo(new ClipImageProcessor.Size(s, s));
        // Truncation, not rounding: 224 * 101 / 100 = 226.24, 224 * 199 / 100 = 445.76.
        assertThat(p.resizeTarget(100, 101).width()).isEqualTo((int) Math.floor(s * 101.0 / 100));
        assertThat(p.resizeTarget(199, 100).height()).isEqualTo((int) Math.floor(s * 199.0 / 100));
    }

    @Test
    void otherSizeFormsOfTheConfig(@TempDir Path dir) throws Exception {
        ClipImageProcessor newer = fromJson(dir, "{\"size\": {\"shortest_edge\": 100}, \"crop_size\": "
                + "{\"height\": 50, \"width\": 60}}");
        assertThat(newer.resizeTarget(300, 200)).isEqualTo(new ClipImageProcessor.Size(150, 100));
        assertThat(newer.outputSize(300, 200)).isEqualTo(new ClipImageProcessor.Size(50, 60));
        ClipImageProcessor exact = fromJson(dir, "{\"size\": {\"height\": 40, \"width\": 70}, "
                + "\"do_center_crop\": false}");
        assertThat(exact.resizeTarget(300, 200)).isEqualTo(new ClipImageProcessor.Size(40, 70));
        try (NDManager manager = Golden.newManager()) {
            NDArray out = exact.preprocess(List.of(horizontalRamp(300, 200), constant(10, 10, 1, 2, 3)),
                    manager);
            assertThat(out.getShape()).isEqualTo(new Shape(2, 3, 40, 70));
        }
    }

    private static ClipImageProcessor fromJson(Path dir, String json) throws Exception {
        Path file = dir.resolve(FeatureExtractorConfig.FILE_NAME);
        Files.writeString(file, json, StandardCharsets.UTF_8);
        return ClipImageProcessor.load(dir);
    }

    @Test
    void downscalingNonSquareGivesTheCropShape() {
        ClipImageProcessor p = processor();
        ClipImageProcessor.Size crop = p.outputSize(768, 512);
        Random random = new Random(7);
        byte[] px = new byte[768 * 512 * 3];
        random.nextBytes(px);
        try (NDManager manager = Golden.newManager()) {
            NDArray out = p.preprocess(List.of(new Rgb8Image(768, 512, px), new Rgb8Image(512, 768, px)),
                    manager);
            assertThat(out.getShape()).isEqualTo(new Shape(2, 3, crop.height(), crop.width()));
        }
    }

    @Test
    void constantColourStaysExact() {
        ClipImageProcessor p = processor();
        FeatureExtractorConfig c = p.config();
        int[][] colours = {{0, 0, 0}, {255, 255, 255}, {17, 128, 254}, {200, 3, 99}};
        int[][] sizes = {{768, 512}, {512, 768}, {64, 48}, {64, 128}, {300, 500}, {224, 224}};
        for (int[] rgb : colours) {
            for (int[] hw : sizes) {
                Rgb8Image out = p.resizeAndCrop(constant(hw[0], hw[1], rgb[0], rgb[1], rgb[2]));
                float[] values = p.toPixelValues(out);
                int plane = out.height() * out.width();
                for (int ch = 0; ch < 3; ch++) {
                    float expected = ((float) (rgb[ch] * c.rescaleFactor()) - c.imageMean().get(ch).floatValue())
                            / c.imageStd().get(ch).floatValue();
                    for (int i = 0; i < plane; i++) {
                        assertThat(out.pixels()[i * 3 + ch] & 0xFF).as("size %dx%d channel %d", hw[0], hw[1], ch)
                                .isEqualTo(rgb[ch]);
                        assertThat(values[ch * plane + i]).isEqualTo(expected);
                    }
                }
            }
        }
    }

    @Test
    void horizontalGradientStaysMonotonic() {
        ClipImageProcessor p = processor();
        int[][] sizes = {{512, 768}, {768, 512}, {64, 96}, {30, 40}};
        for (int[] hw : sizes) {
            Rgb8Image out = PilResize.resize(horizontalRamp(hw[0], hw[1]),
                    p.resizeTarget(hw[0], hw[1]).height(), p.resizeTarget(hw[0], hw[1]).width(), PilFilter.BICUBIC);
            for (int y = 0; y < out.height(); y++) {
                for (int x = 1; x < out.width(); x++) {
                    for (int ch = 0; ch < 3; ch++) {
                        assertThat(out.sample(y, x, ch)).as("%dx%d row %d column %d", hw[0], hw[1], y, x)
                                .isGreaterThanOrEqualTo(out.sample(y, x - 1, ch))
                                .isEqualTo(out.sample(0, x, ch));
                    }
                }
            }
            assertThat(out.sample(0, 0, 0)).isLessThan(out.sample(0, out.width() - 1, 0));
        }
    }

    @Test
    void centerCropFloorsOddMarginsAndPadsWithZeros() {
        // Pixel (y, x) holds (y, x, 7) so the crop position can be read back.
        int h = 9;
        int w = 12;
        byte[] px = new byte[h * w * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                px[(y * w + x) * 3] = (byte) y;
                px[(y * w + x) * 3 + 1] = (byte) x;
                px[(y * w + x) * 3 + 2] = 7;
            }
        }
        Rgb8Image image = new Rgb8Image(h, w, px);
        Rgb8Image crop = ClipImageProcessor.centerCrop(image, 4, 7);
        // top = (9 - 4) // 2 = 2, left = (12 - 7) // 2 = 2
        assertThat(crop.sample(0, 0, 0)).isEqualTo(2);
        assertThat(crop.sample(0, 0, 1)).isEqualTo(2);
        assertThat(crop.sample(3, 6, 0)).isEqualTo(5);
        assertThat(crop.sample(3, 6, 1)).isEqualTo(8);
        // Larger than the image: top = (9 - 12) // 2 = -2 (two zero rows above, one below), left = 0.
        Rgb8Image padded = ClipImageProcessor.centerCrop(image, 12, 12);
        for (int y = 0; y < 12; y++) {
            boolean inside = y >= 2 && y < 11;
            assertThat(padded.sample(y, 5, 2)).as("row %d", y).isEqualTo(inside ? 7 : 0);
            if (inside) {
                assertThat(padded.sample(y, 5, 0)).isEqualTo(y - 2);
                assertThat(padded.sample(y, 5, 1)).isEqualTo(5);
            }
        }
        assertThat(ClipImageProcessor.centerCrop(image, h, w)).isSameAs(image);
    }

    @Test
    void floatImagesRoundHalfToEvenLikeNumpy() {
        // Find a float x with x * 255f exactly 2.5f: numpy's round gives 2, round-half-up would give 3.
        float x = 2.5f / 255f;
        for (int i = 0; i < 1000 && x * 255f != 2.5f; i++) {
            x = x * 255f < 2.5f ? Math.nextUp(x) : Math.nextDown(x);
        }
        assertThat(x * 255f).isEqualTo(2.5f);
        float[] hwc = {x, 0.5f, 1f};
        Rgb8Image image = Rgb8Image.fromFloat01(hwc, 0, 1, 1, 3);
        assertThat(image.sample(0, 0, 0)).isEqualTo(2);
        assertThat(image.sample(0, 0, 1)).isEqualTo(128);
        assertThat(image.sample(0, 0, 2)).isEqualTo(255);
        Rgb8Image grey = Rgb8Image.fromFloat01(new float[] {x}, 0, 1, 1, 1);
        assertThat(grey).isEqualTo(constant(1, 1, 2, 2, 2));
    }

    @Test
    void badInputIsRejectedWithReasons() {
        ClipImageProcessor p = processor();
        try (NDManager manager = Golden.newManager()) {
            NDArray over = manager.create(new float[] {0f, 1.5f, 0f, 0f, 0f, 0f}, new Shape(1, 1, 2, 3));
            assertThatThrownBy(() -> p.preprocess(over, manager)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1.5").hasMessageContaining("outside [0, 1]");
            NDArray nan = manager.create(new float[] {Float.NaN, 0f, 0f}, new Shape(1, 1, 1, 3));
            assertThatThrownBy(() -> p.preprocess(nan, manager)).isInstanceOf(IllegalArgumentException.class);
            NDArray twoChannels = manager.zeros(new Shape(1, 4, 4, 2));
            assertThatThrownBy(() -> p.preprocess(twoChannels, manager)).hasMessageContaining("channels");
            NDArray flat = manager.zeros(new Shape(16));
            assertThatThrownBy(() -> p.preprocess(flat, manager)).hasMessageContaining("[B, H, W, C]");
            NDArray ints = manager.zeros(new Shape(1, 4, 4, 3)).toType(DataType.INT32, false);
            assertThatThrownBy(() -> p.preprocess(ints, manager)).hasMessageContaining("FLOAT32");
            assertThatThrownBy(() -> p.preprocessUint8(twoChannels, manager)).hasMessageContaining("UINT8");
        }
        assertThatThrownBy(() -> new Rgb8Image(2, 2, new byte[11])).hasMessageContaining("12");
    }

    @Test
    void unsupportedConfigNamesFileAndKey(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> fromJson(dir, "{\"resample\": 0}")).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(FeatureExtractorConfig.FILE_NAME).hasMessageContaining("resample 0 (NEAREST)");
        assertThatThrownBy(() -> fromJson(dir, "{\"resample\": 9}")).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("resample 9");
        FeatureExtractorConfig base = FeatureExtractorConfig.parse(ConfigJson.of(new JsonObject(),
                dir.resolve("x.json")));
        FeatureExtractorConfig twoMeans = new FeatureExtractorConfig(base.doResize(), base.size(), base.resample(),
                base.doCenterCrop(), base.cropSize(), base.doRescale(), base.rescaleFactor(), base.doNormalize(),
                List.of(0.5, 0.5), base.imageStd(), base.doConvertRgb());
        assertThatThrownBy(() -> new ClipImageProcessor(twoMeans)).hasMessageContaining("image_mean");
    }

    @Test
    void uint8AndFloatPathsAgree() {
        ClipImageProcessor p = processor();
        Random random = new Random(3);
        int h = 40;
        int w = 56;
        float[] f = new float[h * w * 3];
        byte[] u = new byte[f.length];
        for (int i = 0; i < f.length; i++) {
            int v = random.nextInt(256);
            u[i] = (byte) v;
            f[i] = v / 255f;
        }
        try (NDManager manager = Golden.newManager()) {
            NDArray fromFloat = p.preprocess(manager.create(f, new Shape(1, h, w, 3)), manager);
            NDArray fromUint8 = p.preprocessUint8(manager.create(ByteBuffer.wrap(u), new Shape(h, w, 3),
                    DataType.UINT8), manager);
            assertThat(fromFloat.toFloatArray()).containsExactly(fromUint8.toFloatArray());
            assertThat(fromFloat.toFloatArray()).containsExactly(p.preprocess(new Rgb8Image(h, w, u)));
            assertThat(p.preprocess(new Rgb8Image(h, w, u).toBufferedImage()))
                    .containsExactly(p.preprocess(new Rgb8Image(h, w, u)));
        }
    }
}
