package dev.smallsd.safety;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An 8-bit RGB image in row-major HWC order: the Java counterpart of a PIL image in mode {@code "RGB"}, which is what
 * transformers' CLIP image processor resizes.
 *
 * <p>The factories reproduce how diffusers and PIL produce such an image: {@link #fromFloat01} is diffusers'
 * {@code numpy_to_pil} ({@code round(x * 255)} in float32, half to even) and {@link #fromBufferedImage} is PIL's
 * {@code convert("RGB")} (grey replicated, alpha dropped without compositing).
 *
 * @param height the number of rows
 * @param width the number of columns
 * @param rgb {@code height * width * 3} bytes, unsigned, red-green-blue per pixel; copied on construction and by the
 *     accessor
 */
public record Rgb8Image(int height, int width, byte[] rgb) {

    /**
     * Validates the size and copies the pixels.
     *
     * @param height the number of rows, positive
     * @param width the number of columns, positive
     * @param rgb {@code height * width * 3} bytes, HWC RGB
     * @throws IllegalArgumentException on a non-positive size or a wrong array length
     */
    public Rgb8Image {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size must be positive, got height " + height + ", width "
                    + width);
        }
        if (rgb == null || (long) rgb.length != (long) height * width * 3) {
            throw new IllegalArgumentException("rgb must hold height * width * 3 = " + ((long) height * width * 3)
                    + " bytes, got " + (rgb == null ? "null" : rgb.length));
        }
        rgb = rgb.clone();
    }

    /** @return a copy of the pixels, HWC, unsigned bytes */
    @Override
    public byte[] rgb() {
        return rgb.clone();
    }

    /** @return the pixels without copying; callers in this package must not modify them */
    byte[] pixels() {
        return rgb;
    }

    /**
     * One sample.
     *
     * @param y the row
     * @param x the column
     * @param channel 0 red, 1 green, 2 blue
     * @return the value 0..255
     */
    public int sample(int y, int x, int channel) {
        if (y < 0 || y >= height || x < 0 || x >= width || channel < 0 || channel > 2) {
            throw new IndexOutOfBoundsException("(" + y + ", " + x + ", " + channel + ") outside " + height + "x"
                    + width + "x3");
        }
        return rgb[(y * width + x) * 3 + channel] & 0xFF;
    }

    /**
     * Converts an AWT image to RGB the way PIL's {@code convert("RGB")} does: 8-bit grey images are replicated into
     * the three channels (AWT's own grey-to-sRGB conversion would apply a gamma curve), everything else goes through
     * {@link BufferedImage#getRGB}, and alpha is dropped without compositing onto a background.
     *
     * @param image the image
     * @return its RGB pixels
     */
    public static Rgb8Image fromBufferedImage(BufferedImage image) {
        int h = image.getHeight();
        int w = image.getWidth();
        byte[] out = new byte[h * w * 3];
        if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            Raster raster = image.getRaster();
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    byte v = (byte) row[x];
                    int o = (y * w + x) * 3;
                    out[o] = v;
                    out[o + 1] = v;
                    out[o + 2] = v;
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int argb = row[x];
                    int o = (y * w + x) * 3;
                    out[o] = (byte) (argb >>> 16);
                    out[o + 1] = (byte) (argb >>> 8);
                    out[o + 2] = (byte) argb;
                }
            }
        }
        return new Rgb8Image(h, w, out);
    }

    /**
     * @return this image as a {@link BufferedImage#TYPE_INT_RGB} image (for saving or display)
     */
    public BufferedImage toBufferedImage() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int o = (y * width + x) * 3;
                row[x] = (rgb[o] & 0xFF) << 16 | (rgb[o + 1] & 0xFF) << 8 | (rgb[o + 2] & 0xFF);
            }
            image.setRGB(0, y, width, 1, row, 0, width);
        }
        return image;
    }

    /**
     * Quantises one float image with values in [0, 1] as diffusers' {@code numpy_to_pil} does:
     * {@code (x * 255).round().astype(uint8)} with the product in float32 and numpy's round-half-to-even, then
     * converted to RGB as PIL would ({@code channels} 1 = grey replicated, 3 = RGB, 4 = RGBA with alpha dropped).
     *
     * @param hwc the samples, HWC
     * @param offset index of the image's first sample in {@code hwc}
     * @param height rows
     * @param width columns
     * @param channels 1, 3 or 4
     * @return the 8-bit image
     * @throws IllegalArgumentException if a value is NaN or outside [0, 1] (numpy would wrap it around), naming the
     *     position
     */
    public static Rgb8Image fromFloat01(float[] hwc, int offset, int height, int width, int channels) {
        checkChannels(channels);
        int n = height * width * channels;
        if (offset < 0 || offset + (long) n > hwc.length) {
            throw new IllegalArgumentException("need " + n + " samples from offset " + offset + ", array has "
                    + hwc.length);
        }
        int[] q = new int[n];
        for (int i = 0; i < n; i++) {
            float v = hwc[offset + i];
            if (!(v >= 0f && v <= 1f)) {
                throw new IllegalArgumentException("image value " + v + " at sample " + i + " (row " + i / channels
                        / width + ", column " + i / channels % width + ", channel " + i % channels
                        + ") is outside [0, 1]");
            }
            q[i] = (int) Math.rint(v * 255f);
        }
        return fromSamples(q, height, width, channels);
    }

    /**
     * Splits a batch of float images in [0, 1] (NHWC, as diffusers' {@code output_type="np"} images; a single HWC
     * image is accepted too) into 8-bit images with {@link #fromFloat01}'s rounding. FLOAT64 input is rounded in
     * double precision, as numpy would.
     *
     * @param images [B, H, W, C] or [H, W, C] with C in {1, 3, 4}, FLOAT32 or FLOAT64
     * @return one image per batch item
     * @throws IllegalArgumentException on a wrong rank, channel count, data type or value
     */
    public static List<Rgb8Image> fromNhwcFloat01(NDArray images) {
        Shape s = nhwc(images, "images");
        int b = (int) s.get(0);
        int h = (int) s.get(1);
        int w = (int) s.get(2);
        int c = (int) s.get(3);
        int per = h * w * c;
        List<Rgb8Image> out = new ArrayList<>(b);
        if (images.getDataType() == DataType.FLOAT32) {
            float[] data = images.toFloatArray();
            for (int i = 0; i < b; i++) {
                out.add(fromFloat01(data, i * per, h, w, c));
            }
        } else if (images.getDataType() == DataType.FLOAT64) {
            double[] data = images.toDoubleArray();
            for (int i = 0; i < b; i++) {
                int[] q = new int[per];
                for (int j = 0; j < per; j++) {
                    double v = data[i * per + j];
                    if (!(v >= 0 && v <= 1)) {
                        throw new IllegalArgumentException("image " + i + " value " + v + " at sample " + j
                                + " is outside [0, 1]");
                    }
                    q[j] = (int) Math.rint(v * 255.0);
                }
                out.add(fromSamples(q, h, w, c));
            }
        } else {
            throw new IllegalArgumentException("images must be FLOAT32 or FLOAT64 in [0, 1], got "
                    + images.getDataType());
        }
        return out;
    }

    /**
     * Splits a batch of 8-bit images (NHWC; a single HWC image is accepted too) into RGB images, converting
     * grey (C = 1) and RGBA (C = 4) as PIL's {@code convert("RGB")} does.
     *
     * @param images [B, H, W, C] or [H, W, C] with C in {1, 3, 4}, UINT8
     * @return one image per batch item
     * @throws IllegalArgumentException on a wrong rank, channel count or data type
     */
    public static List<Rgb8Image> fromNhwcUint8(NDArray images) {
        if (images.getDataType() != DataType.UINT8) {
            throw new IllegalArgumentException("images must be UINT8, got " + images.getDataType());
        }
        Shape s = nhwc(images, "images");
        int b = (int) s.get(0);
        int h = (int) s.get(1);
        int w = (int) s.get(2);
        int c = (int) s.get(3);
        int per = h * w * c;
        int[] data = images.toUint8Array();
        List<Rgb8Image> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            out.add(fromSamples(Arrays.copyOfRange(data, i * per, (i + 1) * per), h, w, c));
        }
        return out;
    }

    private static Shape nhwc(NDArray images, String what) {
        Shape s = images.getShape();
        if (s.dimension() == 3) {
            s = new Shape(1, s.get(0), s.get(1), s.get(2));
        }
        if (s.dimension() != 4) {
            throw new IllegalArgumentException(what + " must be [B, H, W, C] or [H, W, C], got " + images.getShape());
        }
        if (s.get(0) < 1 || s.get(1) < 1 || s.get(2) < 1) {
            throw new IllegalArgumentException(what + " must not be empty, got " + images.getShape());
        }
        checkChannels((int) s.get(3));
        return s;
    }

    private static void checkChannels(int channels) {
        if (channels != 1 && channels != 3 && channels != 4) {
            throw new IllegalArgumentException("images must have 1 (grey), 3 (RGB) or 4 (RGBA) channels, got "
                    + channels);
        }
    }

    /** Builds an RGB image from quantised HWC samples with PIL's L/RGB/RGBA to RGB conversion. */
    private static Rgb8Image fromSamples(int[] q, int height, int width, int channels) {
        int pixels = height * width;
        byte[] out = new byte[pixels * 3];
        for (int p = 0; p < pixels; p++) {
            for (int c = 0; c < 3; c++) {
                out[p * 3 + c] = (byte) q[p * channels + (channels == 1 ? 0 : c)];
            }
        }
        return new Rgb8Image(height, width, out);
    }

    /** Compares the pixels, not the array identity. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Rgb8Image other && other.height == height && other.width == width
                && Arrays.equals(other.rgb, rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * height + width) + Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "Rgb8Image[" + height + "x" + width + "]";
    }
}
