package dev.smallsd.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Writes each generated image of a partition to its own PNG file and returns the row's manifest entry
 * ({@code prompt, seed, file, nsfw, error}). A file appears whole or not at all: it is written under a hidden
 * temporary name in the same folder and renamed. Its name is {@code <prompt slug>-<seed>-<8 hex digits of the PNG's
 * SHA-256>.png}: deterministic, so a retried or speculative task writes the same file with the same bytes.
 * Works on any Hadoop file system (local, HDFS, S3A, GCS, ABFS…).
 */
final class PngFileSink implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    /** The manifest's columns. */
    static final StructType MANIFEST = DataTypes.createStructType(new org.apache.spark.sql.types.StructField[] {
        DataTypes.createStructField("prompt", DataTypes.StringType, true),
        DataTypes.createStructField("seed", DataTypes.LongType, true),
        DataTypes.createStructField("file", DataTypes.StringType, true),
        DataTypes.createStructField("nsfw", DataTypes.BooleanType, true),
        DataTypes.createStructField("error", DataTypes.StringType, true)});
    /** Folder of the images, relative to the job's output folder. */
    static final String IMAGES = "images";
    private static final int SLUG_LENGTH = 48;

    private final String outputDir;
    private final HashMap<String, String> hadoopConf;
    private final int prompt;
    private final int seed;
    private final int image;
    private final int nsfw;
    private final int error;

    /**
     * @param outputDir the job's output folder (a Hadoop path or URI)
     * @param hadoopConf the driver's Hadoop configuration
     * @param schema the generator's output schema
     */
    PngFileSink(String outputDir, Map<String, String> hadoopConf, StructType schema) {
        this.outputDir = outputDir;
        this.hadoopConf = new HashMap<>(hadoopConf);
        this.prompt = schema.fieldIndex(InputColumns.PROMPT);
        this.seed = schema.fieldIndex(InputColumns.SEED);
        this.image = schema.fieldIndex(InputColumns.IMAGE);
        this.nsfw = schema.fieldIndex(InputColumns.NSFW);
        this.error = schema.fieldIndex(InputColumns.ERROR);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws IOException {
        Configuration conf = new Configuration(false);
        hadoopConf.forEach(conf::set);
        Path dir = new Path(outputDir, IMAGES);
        FileSystem fs = FileSystem.newInstance(dir.toUri(), conf);
        fs.setWriteChecksum(false); // no .crc side files on the local file system
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) ctx -> closeQuietly(fs));
        }
        fs.mkdirs(dir);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row r = rows.next();
                String file = null;
                if (!r.isNullAt(image)) {
                    String name = fileName(r.getString(prompt), r.getLong(seed), (byte[]) r.get(image));
                    try {
                        write(fs, dir, name, (byte[]) r.get(image));
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot write " + new Path(dir, name), e);
                    }
                    file = IMAGES + "/" + name;
                }
                return RowFactory.create(r.get(prompt), r.isNullAt(seed) ? null : r.getLong(seed), file,
                        r.get(nsfw), r.get(error));
            }
        };
    }

    /**
     * Writes {@code bytes} to {@code dir/name} through a hidden temporary file and a rename, so readers never see a
     * partial file. When the file already exists (a retried task), its bytes are the same: the temporary is dropped.
     */
    static void write(FileSystem fs, Path dir, String name, byte[] bytes) throws IOException {
        Path target = new Path(dir, name);
        Path tmp = new Path(dir, "." + name + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FSDataOutputStream out = fs.create(tmp, false)) {
                out.write(bytes);
            }
            if (!fs.rename(tmp, target) && !fs.exists(target)) {
                throw new IOException("rename of " + tmp + " to " + target + " failed");
            }
        } finally {
            if (fs.exists(tmp)) {
                fs.delete(tmp, false);
            }
        }
    }

    /**
     * @param prompt the prompt
     * @param seed the seed used
     * @param png the PNG bytes
     * @return {@code <prompt slug>-<seed>-<8 hex digits of SHA-256(png)>.png}
     */
    static String fileName(String prompt, long seed, byte[] png) {
        String slug = prompt.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (slug.length() > SLUG_LENGTH) {
            slug = slug.substring(0, SLUG_LENGTH).replaceAll("-+$", "");
        }
        if (slug.isEmpty()) {
            slug = "image";
        }
        String hash = HexFormat.of().formatHex(RowSeeds.sha256().digest(png), 0, 4);
        return slug + "-" + Long.toUnsignedString(seed) + "-" + hash + ".png";
    }

    private static void closeQuietly(FileSystem fs) {
        try {
            fs.close();
        } catch (IOException e) {
            // nothing left to flush: every file was closed after its write
        }
    }
}
