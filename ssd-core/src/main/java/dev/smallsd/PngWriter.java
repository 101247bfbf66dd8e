package dev.smallsd;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/** Writes PNG files carrying a {@code parameters} text chunk, atomically (temporary file, then move). */
public final class PngWriter {
    private PngWriter() {}

    /**
     * @param image the image
     * @param file destination
     * @param parameters text for the {@code parameters} tEXt (or iTXt) chunk, or {@code null} for none
     * <p>Missing parent folders are created.
     *
     * @throws IOException when writing fails, with a message naming {@code file} as given (never the temporary file);
     *     no partial file is left at {@code file}
     */
    public static void write(BufferedImage image, Path file, String parameters) throws IOException {
        byte[] png = encode(image, parameters);
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            if (dir != null) {
                Files.createDirectories(dir);
            }
            tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
            Files.write(tmp, png);
            makeReadable(tmp);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IOException("cannot write " + file + ": " + reason(e), e);
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Why a write failed, in words that name no temporary file (the user never gave that path). */
    private static String reason(IOException e) {
        if (!(e instanceof FileSystemException fse)) {
            return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        }
        String kind = e instanceof AccessDeniedException ? "permission denied"
                : e instanceof NoSuchFileException ? "no such file or folder"
                : e instanceof FileAlreadyExistsException ? "a file is in the way"
                : e instanceof NotDirectoryException ? "not a folder"
                : fse.getReason() != null ? fse.getReason() : e.getClass().getSimpleName();
        String where = fse.getFile();
        boolean aboutTmp = where == null || where.endsWith(".tmp"); // the temporary file, created or moved
        return aboutTmp ? kind : kind + " (" + where + ")";
    }

    /**
     * Encodes an image as PNG in memory, exactly the bytes {@link #write} puts in a file.
     *
     * @param image the image
     * @param parameters text for the {@code parameters} tEXt (or iTXt) chunk, or {@code null} for none
     * @return the PNG file's bytes
     * @throws IOException when no PNG encoder is available or encoding fails
     */
    public static byte[] encode(BufferedImage image, String parameters) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(bytes)) {
            Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("png");
            if (!it.hasNext()) {
                throw new IOException("no PNG writer available");
            }
            ImageWriter writer = it.next();
            try {
                writer.setOutput(ios);
                ImageWriteParam param = writer.getDefaultWriteParam();
                IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image),
                        param);
                if (parameters != null) {
                    IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
                    root.appendChild(textChunk(parameters));
                    meta.mergeTree("javax_imageio_png_1.0", root);
                }
                writer.write(null, new IIOImage(image, null, meta), param);
            } finally {
                writer.dispose();
            }
        }
        return bytes.toByteArray();
    }

    /** Temporary files are created owner-only; a written image gets the usual rw-r--r--. */
    private static void makeReadable(Path p) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException | IOException e) {
            // non-POSIX file system: keep its default
        }
    }

    /**
     * The {@code parameters} chunk as PIL writes it for AUTOMATIC1111: {@code tEXt} when the text is Latin-1, else an
     * uncompressed {@code iTXt} (UTF-8), so that prompts such as {@code café in 東京} survive.
     */
    private static IIOMetadataNode textChunk(String parameters) {
        if (parameters.chars().allMatch(c -> c <= 0xFF)) {
            IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
            entry.setAttribute("keyword", "parameters");
            entry.setAttribute("value", parameters);
            IIOMetadataNode text = new IIOMetadataNode("tEXt");
            text.appendChild(entry);
            return text;
        }
        IIOMetadataNode entry = new IIOMetadataNode("iTXtEntry");
        entry.setAttribute("keyword", "parameters");
        entry.setAttribute("compressionFlag", "FALSE");
        entry.setAttribute("compressionMethod", "0");
        entry.setAttribute("languageTag", "");
        entry.setAttribute("translatedKeyword", "");
        entry.setAttribute("text", parameters);
        IIOMetadataNode text = new IIOMetadataNode("iTXt");
        text.appendChild(entry);
        return text;
    }

    /**
     * Reads the {@code parameters} text of a PNG written by {@link #write}.
     *
     * @param file a PNG file
     * @return the text, or {@code null} when absent
     * @throws IOException when the file cannot be read
     */
    public static String readParameters(Path file) throws IOException {
        try (ImageInputStreamHolder h = new ImageInputStreamHolder(file)) {
            Iterator<javax.imageio.ImageReader> it = ImageIO.getImageReaders(h.stream);
            if (!it.hasNext()) {
                throw new IOException(file + ": not an image");
            }
            javax.imageio.ImageReader reader = it.next();
            try {
                reader.setInput(h.stream);
                IIOMetadata meta = reader.getImageMetadata(0);
                org.w3c.dom.Node root = meta.getAsTree("javax_imageio_png_1.0");
                for (org.w3c.dom.Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                    boolean itxt = "iTXt".equals(n.getNodeName());
                    if (itxt || "tEXt".equals(n.getNodeName())) {
                        for (org.w3c.dom.Node e = n.getFirstChild(); e != null; e = e.getNextSibling()) {
                            org.w3c.dom.NamedNodeMap a = e.getAttributes();
                            if ("parameters".equals(a.getNamedItem("keyword").getNodeValue())) {
                                return a.getNamedItem(itxt ? "text" : "value").getNodeValue();
                            }
                        }
                    }
                }
                return null;
            } finally {
                reader.dispose();
            }
        }
    }

    private static final class ImageInputStreamHolder implements AutoCloseable {
        final javax.imageio.stream.ImageInputStream stream;

        ImageInputStreamHolder(Path file) throws IOException {
            stream = ImageIO.createImageInputStream(file.toFile());
            if (stream == null) {
                throw new IOException(file + ": cannot open");
            }
        }

        @Override
        public void close() throws IOException {
            stream.close();
        }
    }
}
