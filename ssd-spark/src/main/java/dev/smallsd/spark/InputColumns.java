package dev.smallsd.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Where the generator's columns are in an input schema, and the output schema: the input columns (with {@code seed},
 * when present, turned into the {@code long} seed used) followed by {@code image}, {@code nsfw}, {@code seed} (when
 * the input had none), {@code error} and {@code elapsed_ms}. Checked on the driver, before any task runs.
 */
final class InputColumns implements Serializable {
    private static final long serialVersionUID = 1L;

    static final String PROMPT = "prompt";
    static final String NEGATIVE_PROMPT = "negative_prompt";
    static final String SEED = "seed";
    static final String STEPS = "steps";
    static final String GUIDANCE = "guidance";
    static final String WIDTH = "width";
    static final String HEIGHT = "height";
    static final String IMAGE = "image";
    static final String NSFW = "nsfw";
    static final String ERROR = "error";
    static final String ELAPSED_MS = "elapsed_ms";
    /** The key columns of a derived seed unless the builder names others. */
    static final List<String> DEFAULT_SEED_COLUMNS = List.of(PROMPT, NEGATIVE_PROMPT);

    final int prompt;
    final int negativePrompt;
    final int seed;
    final int steps;
    final int guidance;
    final int width;
    final int height;
    /** Names and input indexes (-1: absent, hashed as null) of the derived seed's key columns. */
    final List<String> seedColumns;
    final int[] seedColumnIndexes;
    final int inputWidth;
    final StructType output;
    /** Output index of the seed column (the input's own position when it had one). */
    final int outputSeed;

    private InputColumns(StructType input, List<String> seedColumns) {
        List<String> names = Arrays.asList(input.fieldNames());
        prompt = names.indexOf(PROMPT);
        if (prompt < 0) {
            throw new IllegalArgumentException("prompt: the input has no '" + PROMPT + "' column (columns: " + names
                    + ")");
        }
        requireType(input, prompt, false);
        negativePrompt = optional(input, names, NEGATIVE_PROMPT, false);
        seed = optional(input, names, SEED, true);
        steps = optional(input, names, STEPS, true);
        guidance = optional(input, names, GUIDANCE, true);
        width = optional(input, names, WIDTH, true);
        height = optional(input, names, HEIGHT, true);
        for (String reserved : List.of(IMAGE, NSFW, ERROR, ELAPSED_MS)) {
            if (names.contains(reserved)) {
                throw new IllegalArgumentException(reserved + ": the input already has a column '" + reserved
                        + "', which the output adds; rename or drop it first");
            }
        }
        this.seedColumns = List.copyOf(seedColumns);
        seedColumnIndexes = new int[seedColumns.size()];
        for (int i = 0; i < seedColumnIndexes.length; i++) {
            String c = seedColumns.get(i);
            seedColumnIndexes[i] = names.indexOf(c);
            if (seedColumnIndexes[i] < 0 && !DEFAULT_SEED_COLUMNS.contains(c)) {
                throw new IllegalArgumentException("seedColumns: the input has no column '" + c + "' (columns: "
                        + names + ")");
            }
        }
        inputWidth = input.size();

        List<StructField> out = new ArrayList<>(Arrays.asList(input.fields()));
        if (seed >= 0) {
            out.set(seed, DataTypes.createStructField(SEED, DataTypes.LongType, true));
        }
        out.add(DataTypes.createStructField(IMAGE, DataTypes.BinaryType, true));
        out.add(DataTypes.createStructField(NSFW, DataTypes.BooleanType, true));
        if (seed < 0) {
            out.add(DataTypes.createStructField(SEED, DataTypes.LongType, true));
        }
        out.add(DataTypes.createStructField(ERROR, DataTypes.StringType, true));
        out.add(DataTypes.createStructField(ELAPSED_MS, DataTypes.LongType, false));
        output = DataTypes.createStructType(out);
        outputSeed = seed >= 0 ? seed : inputWidth + 2;
    }

    /**
     * @param input the input schema
     * @param seedColumns the derived seed's key columns
     * @return the column positions
     * @throws IllegalArgumentException when {@code prompt} is missing, a column has an unusable type, an output
     *     column name is taken, or a key column does not exist
     */
    static InputColumns of(StructType input, List<String> seedColumns) {
        return new InputColumns(input, seedColumns);
    }

    private static int optional(StructType input, List<String> names, String name, boolean numeric) {
        int i = names.indexOf(name);
        if (i >= 0) {
            requireType(input, i, numeric);
        }
        return i;
    }

    private static void requireType(StructType input, int index, boolean numeric) {
        StructField f = input.fields()[index];
        DataType t = f.dataType();
        boolean ok = t.equals(DataTypes.StringType) || t.equals(DataTypes.NullType)
                || (numeric && t instanceof NumericType);
        if (!ok) {
            throw new IllegalArgumentException(f.name() + ": column type " + t.simpleString() + " is not "
                    + (numeric ? "a number or a string" : "a string"));
        }
    }

    /** @return output position of {@code image}; {@code nsfw}, {@code error}, {@code elapsed_ms} follow */
    int outputImage() {
        return inputWidth;
    }

    /** @return output position of {@code error} */
    int outputError() {
        return output.size() - 2;
    }
}
