package dev.smallsd.examples;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A labelled grid of equally sized images: each cell is the image with its label centred underneath, drawn with
 * Java2D and the default font (works with {@code -Djava.awt.headless=true}).
 */
public final class ContactSheet {
    /** Background of the sheet and the label strips. */
    public static final Color BACKGROUND = Color.WHITE;
    /** Label text colour. */
    public static final Color INK = Color.BLACK;

    private static final int GAP = 4;

    private ContactSheet() {}

    /**
     * Where everything goes on a sheet. Cells are filled row by row; cell {@code i} is at column {@code i % columns},
     * row {@code i / columns}.
     *
     * @param count number of images
     * @param columns grid columns
     * @param rows grid rows
     * @param cellWidth cell width (the image width, or the widest label plus padding if that is wider)
     * @param imageWidth image width
     * @param imageHeight image height
     * @param labelHeight height of the label strip under each image
     */
    public record Layout(int count, int columns, int rows, int cellWidth, int imageWidth, int imageHeight,
            int labelHeight) {

        /** @return the height of one cell (image plus label strip) */
        public int cellHeight() {
            return imageHeight + labelHeight;
        }

        /** @return the sheet width in pixels */
        public int width() {
            return columns * cellWidth + (columns + 1) * GAP;
        }

        /** @return the sheet height in pixels */
        public int height() {
            return rows * cellHeight() + (rows + 1) * GAP;
        }

        /**
         * @param i cell index (may be past {@code count}: the unused cells of the last row)
         * @return the cell's rectangle
         */
        public Rectangle cell(int i) {
            int x = GAP + (i % columns) * (cellWidth + GAP);
            int y = GAP + (i / columns) * (cellHeight() + GAP);
            return new Rectangle(x, y, cellWidth, cellHeight());
        }

        /**
         * @param i cell index
         * @return where the image of cell {@code i} is drawn
         */
        public Rectangle image(int i) {
            Rectangle c = cell(i);
            return new Rectangle(c.x + (cellWidth - imageWidth) / 2, c.y, imageWidth, imageHeight);
        }

        /**
         * @param i cell index
         * @return the label strip of cell {@code i}
         */
        public Rectangle label(int i) {
            Rectangle c = cell(i);
            return new Rectangle(c.x, c.y + imageHeight, cellWidth, labelHeight);
        }
    }

    /**
     * Computes the layout: {@code ceil(sqrt(n))} columns, as many rows as needed.
     *
     * @param labels one label per image
     * @param imageWidth image width
     * @param imageHeight image height
     * @return the layout
     */
    public static Layout layout(List<String> labels, int imageWidth, int imageHeight) {
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("labels: at least one image is needed");
        }
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        try {
            FontMetrics fm = g.getFontMetrics(font(g));
            int widest = 0;
            for (String s : labels) {
                widest = Math.max(widest, fm.stringWidth(s));
            }
            int n = labels.size();
            int columns = (int) Math.ceil(Math.sqrt(n));
            int rows = (n + columns - 1) / columns;
            return new Layout(n, columns, rows, Math.max(imageWidth, widest + 2 * GAP), imageWidth, imageHeight,
                    fm.getHeight() + GAP);
        } finally {
            g.dispose();
        }
    }

    /**
     * Draws the sheet.
     *
     * @param images the images, all of one size
     * @param labels one label per image
     * @return the sheet (RGB)
     */
    public static BufferedImage render(List<BufferedImage> images, List<String> labels) {
        if (images.size() != labels.size()) {
            throw new IllegalArgumentException("labels: " + labels.size() + " labels for " + images.size()
                    + " images");
        }
        int w = images.get(0).getWidth();
        int h = images.get(0).getHeight();
        for (int i = 1; i < images.size(); i++) {
            if (images.get(i).getWidth() != w || images.get(i).getHeight() != h) {
                throw new IllegalArgumentException("images: image " + i + " is " + images.get(i).getWidth() + "x"
                        + images.get(i).getHeight() + ", image 0 is " + w + "x" + h);
            }
        }
        Layout layout = layout(labels, w, h);
        BufferedImage sheet = new BufferedImage(layout.width(), layout.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        try {
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(font(g));
            FontMetrics fm = g.getFontMetrics();
            g.setColor(INK);
            for (int i = 0; i < images.size(); i++) {
                Rectangle img = layout.image(i);
                g.drawImage(images.get(i), img.x, img.y, null);
                Rectangle label = layout.label(i);
                int x = label.x + (label.width - fm.stringWidth(labels.get(i))) / 2;
                int y = label.y + GAP / 2 + fm.getAscent();
                g.drawString(labels.get(i), x, y);
            }
        } finally {
            g.dispose();
        }
        return sheet;
    }

    /** The default font of a Java2D graphics context (logical "Dialog", 12 pt). */
    private static Font font(Graphics2D g) {
        return g.getFont();
    }
}
