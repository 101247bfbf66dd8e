package dev.smallsd.internal.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Conversions between {@link BufferedImage} and the pipeline's image tensors, as diffusers' image processor does them. */
public final class Images {
    private static final Logger LOG = LoggerFactory.getLogger(Images.class);

    private Images() {}

    /**
     * diffusers' {@code numpy_to_pil}: {@code round(x · 255)} per channel (round half to even, like numpy).
     *
     * @param nhwc float images {@code [B, H, W, 3]} in [0, 1]
     * @param flags per-image safety flags (may be empty)
     * @param blackOutFlagged whether flagged images become black
     * @return RGB images
     */
    public static List<BufferedImage> toBufferedImages(NDArray nhwc, List<Boolean> flags, boolean blackOutFlagged) {
        Shape s = nhwc.getShape();
        int b = (int) s.get(0);
        int h = (int) s.get(1);
        int w = (int) s.get(2);
        float[] v = nhwc.toFloatArray();
        List<BufferedImage> out = new ArrayList<>(b);
        int per = h * w * 3;
        for (int i = 0; i < b; i++) {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            boolean black = blackOutFlagged && !flags.isEmpty() && flags.get(i);
            int[] rgb = new int[w * h];
            if (!black) {
                for (int p = 0; p < w * h; p++) {
                    int o = i * per + p * 3;
                    rgb[p] = (toByte(v[o]) << 16) | (toByte(v[o + 1]) << 8) | toByte(v[o + 2]);
                }
            }
            img.setRGB(0, 0, w, h, rgb, 0, w);
            out.add(img);
        }
        return out;
    }

    /**
     * @param x a value in [0, 1]
     * @return {@code round(x · 255)} with numpy's round-half-to-even, clamped to 0..255
     */
    static int toByte(float x) {
        double r = Math.rint((double) (x * 255f));
        return (int) Math.max(0, Math.min(255, r));
    }

    /**
     * diffusers' image preprocessing for image-to-image: RGB, resized to {@code width × height} when it differs,
     * scaled to [-1, 1], {@code [1, 3, H, W]}.
     *
     * @param image the init image
     * @param width target width
     * @param height target height
     * @param manager owner of the new array
     * @return the image tensor
     */
    public static NDArray toTensor(BufferedImage image, int width, int height, NDManager manager) {
        BufferedImage src = image;
        if (image.getWidth() != width || image.getHeight() != height) {
            LOG.warn("init image {}x{} resized to {}x{} (bicubic; diffusers uses Lanczos, so pixels differ slightly)",
                    image.getWidth(), image.getHeight(), width, height);
            src = resized(image, width, height);
        }
        int[] rgb = src.getRGB(0, 0, width, height, null, 0, width);
        float[] chw = new float[3 * width * height];
        int plane = width * height;
        for (int p = 0; p < plane; p++) {
            int c = rgb[p];
            chw[p] = ((c >> 16) & 0xFF) / 255f * 2f - 1f;
            chw[plane + p] = ((c >> 8) & 0xFF) / 255f * 2f - 1f;
            chw[2 * plane + p] = (c & 0xFF) / 255f * 2f - 1f;
        }
        return manager.create(chw, new Shape(1, 3, height, width));
    }

    /**
     * @param image any image
     * @param width new width
     * @param height new height
     * @return an RGB copy resized with bicubic interpolation
     */
    static BufferedImage resized(BufferedImage image, int width, int height) {
        BufferedImage r = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = r.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.drawImage(image, 0, 0, width, height, null);
        g.dispose();
        return r;
    }
}
