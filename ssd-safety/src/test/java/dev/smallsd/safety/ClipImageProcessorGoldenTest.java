package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.testing.Golden;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The processor against the reference (transformers' CLIP image processor on PIL): the {@code safety_preprocess}
 * case (uint8 image to {@code clip_input}) and every pipeline case that stores the float images it showed the safety
 * checker ({@code image_unfiltered}) together with what the feature extractor made of them
 * ({@code safety_clip_input}). Inputs, outputs and sizes come from the manifest and the tiny model's
 * {@code feature_extractor} config.
 */
class ClipImageProcessorGoldenTest {
    private static final String PREPROCESS_CASE = "safety_preprocess";
    private static final String PIPELINE_IMAGES = "image_unfiltered";
    private static final String PIPELINE_CLIP_INPUT = "safety_clip_input";
    /** What the README prescribes for a tensor of a pipeline case without its own tolerance entry. */
    private static final double PIPELINE_DEFAULT_ATOL = 1e-4;
    private static final Pattern PNG = Pattern.compile("([\\w.-]+\\.png)");

    private static ClipImageProcessor processor() {
        return ClipImageProcessor.load(Golden.tinyModel().resolve("feature_extractor"));
    }

    /** The name of the one tensor of a case with the given manifest dtype. */
    private static String tensorOfType(JsonObject entry, String dtype) {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, JsonElement> t : entry.getAsJsonObject("tensors").entrySet()) {
            if (t.getValue().getAsJsonObject().get("dtype").getAsString().equals(dtype)) {
                names.add(t.getKey());
            }
        }
        assertThat(names).as("%s tensors of the case", dtype).hasSize(1);
        return names.get(0);
    }

    @TestFactory
    Stream<DynamicTest> safetyPreprocessCase() {
        JsonObject entry = Golden.caseEntry(PREPROCESS_CASE);
        String input = tensorOfType(entry, "uint8");
        String output = tensorOfType(entry, "float32");
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(DynamicTest.dynamicTest(PREPROCESS_CASE + "." + output + " from " + input,
                () -> checkPreprocessCase(entry, input, output)));
        tests.add(DynamicTest.dynamicTest(PREPROCESS_CASE + ": resized 8-bit pixels equal PIL's",
                () -> checkExactPixels(entry, input, output)));
        Matcher png = PNG.matcher(entry.get("description").getAsString());
        if (png.find()) {
            String name = png.group(1);
            tests.add(DynamicTest.dynamicTest(PREPROCESS_CASE + ": " + name + " through BufferedImage",
                    () -> checkPng(entry, name, input, output)));
        }
        return tests.stream();
    }

    private static void checkPreprocessCase(JsonObject entry, String input, String output) {
        ClipImageProcessor p = processor();
        try (NDManager manager = Golden.newManager(); SafeTensorsFile file = Golden.open(PREPROCESS_CASE)) {
            NDArray image = file.load(input, manager);
            NDArray expected = file.load(output, manager);
            NDArray actual = p.preprocessUint8(image, manager);
            ClipImageProcessor.Size crop = outputSizeOf(p, image.getShape());
            assertThat(actual.getShape()).isEqualTo(new Shape(1, 3, crop.height(), crop.width()));
            double diff = maxAbsDiff(actual, expected);
            System.out.printf("%s.%s: max |java - golden| = %.3g%n", PREPROCESS_CASE, output, diff);
            Golden.assertClose(PREPROCESS_CASE + "." + output, actual, expected,
                    Golden.tolerance(entry, output, 0.0));
        }
    }

    /** Undoes the golden's rescale + normalise to recover PIL's 8-bit pixels and compares them exactly. */
    private static void checkExactPixels(JsonObject entry, String input, String output) {
        ClipImageProcessor p = processor();
        FeatureExtractorConfig c = p.config();
        try (NDManager manager = Golden.newManager(); SafeTensorsFile file = Golden.open(PREPROCESS_CASE)) {
            Rgb8Image image = Rgb8Image.fromNhwcUint8(file.load(input, manager)).get(0);
            NDArray expected = file.load(output, manager);
            long[] shape = expected.getShape().getShape();
            int h = (int) shape[2];
            int w = (int) shape[3];
            float[] e = expected.toFloatArray();
            Rgb8Image ours = p.resizeAndCrop(image);
            assertThat(ours.height()).isEqualTo(h);
            assertThat(ours.width()).isEqualTo(w);
            int mismatches = 0;
            for (int ch = 0; ch < 3; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        double v = e[(ch * h + y) * w + x] * c.imageStd().get(ch) + c.imageMean().get(ch);
                        long pil = Math.round(v / c.rescaleFactor());
                        if (pil != ours.sample(y, x, ch)) {
                            mismatches++;
                        }
                    }
                }
            }
            System.out.printf("%s: %d of %d resized 8-bit samples differ from PIL's%n", PREPROCESS_CASE, mismatches,
                    3 * h * w);
            assertThat(mismatches).as("8-bit samples differing from PIL's bicubic resize").isZero();
        }
    }

    private static void checkPng(JsonObject entry, String name, String input, String output) throws IOException {
        Path png = Golden.goldenDir().resolve(name);
        assertThat(png).exists();
        BufferedImage decoded = ImageIO.read(Files.newInputStream(png));
        ClipImageProcessor p = processor();
        try (NDManager manager = Golden.newManager(); SafeTensorsFile file = Golden.open(PREPROCESS_CASE)) {
            Rgb8Image stored = Rgb8Image.fromNhwcUint8(file.load(input, manager)).get(0);
            assertThat(Rgb8Image.fromBufferedImage(decoded)).as("PNG pixels vs " + input).isEqualTo(stored);
            NDArray expected = file.load(output, manager);
            NDArray actual = manager.create(p.preprocess(decoded), expected.getShape());
            Golden.assertClose(PREPROCESS_CASE + "." + output + " from " + name, actual, expected,
                    Golden.tolerance(entry, output, 0.0));
        }
    }

    @TestFactory
    Stream<DynamicTest> pipelineSafetyInputs() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonElement> c : Golden.manifest().getAsJsonObject("cases").entrySet()) {
            JsonObject entry = c.getValue().getAsJsonObject();
            JsonObject tensors = entry.getAsJsonObject("tensors");
            if (tensors != null && tensors.has(PIPELINE_IMAGES) && tensors.has(PIPELINE_CLIP_INPUT)) {
                String kind = c.getKey();
                tests.add(DynamicTest.dynamicTest(kind + "." + PIPELINE_CLIP_INPUT + " from " + PIPELINE_IMAGES,
                        () -> checkPipelineCase(kind, entry)));
            }
        }
        assertThat(tests).as("pipeline cases with %s and %s", PIPELINE_IMAGES, PIPELINE_CLIP_INPUT).isNotEmpty();
        return tests.stream();
    }

    private static void checkPipelineCase(String kind, JsonObject entry) {
        ClipImageProcessor p = processor();
        try (NDManager manager = Golden.newManager(); SafeTensorsFile file = Golden.open(kind)) {
            NDArray images = file.load(PIPELINE_IMAGES, manager);
            NDArray expected = file.load(PIPELINE_CLIP_INPUT, manager);
            assertThat(images.getDataType()).isEqualTo(DataType.FLOAT32);
            NDArray actual = p.preprocess(images, manager);
            ClipImageProcessor.Size crop = outputSizeOf(p, images.getShape().slice(1));
            assertThat(actual.getShape()).isEqualTo(new Shape(images.getShape().get(0), 3, crop.height(),
                    crop.width()));
            System.out.printf("%s.%s (images %s): max |java - golden| = %.3g%n", kind, PIPELINE_CLIP_INPUT,
                    images.getShape(), maxAbsDiff(actual, expected));
            Golden.assertClose(kind + "." + PIPELINE_CLIP_INPUT, actual, expected,
                    Golden.tolerance(entry, PIPELINE_CLIP_INPUT, PIPELINE_DEFAULT_ATOL));
        }
    }

    /** The processed size for an HWC image shape. */
    private static ClipImageProcessor.Size outputSizeOf(ClipImageProcessor p, Shape hwc) {
        return p.outputSize((int) hwc.get(0), (int) hwc.get(1));
    }

    private static double maxAbsDiff(NDArray a, NDArray b) {
        double[] x = Golden.toDoubles(a);
        double[] y = Golden.toDoubles(b);
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            m = Math.max(m, Math.abs(x[i] - y[i]));
        }
        return m;
    }
}
