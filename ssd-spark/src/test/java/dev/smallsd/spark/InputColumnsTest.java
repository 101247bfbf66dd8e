package dev.smallsd.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Schema checks made on the driver before any task: each error starts with the column's name. */
class InputColumnsTest {

    private static StructType schema(Object... nameType) {
        StructField[] f = new StructField[nameType.length / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = DataTypes.createStructField((String) nameType[2 * i], (DataType) nameType[2 * i + 1], true);
        }
        return DataTypes.createStructType(f);
    }

    @Test
    void numbersMayBeTextAndTheSeedColumnBecomesLong() {
        InputColumns c = InputColumns.of(schema("prompt", DataTypes.StringType, "steps", DataTypes.StringType,
                "guidance", DataTypes.createDecimalType(4, 2), "seed", DataTypes.IntegerType), List.of("prompt"));
        assertThat(c.steps).isEqualTo(1);
        assertThat(c.output.apply("seed").dataType()).isEqualTo(DataTypes.LongType);
        assertThat(c.output.fieldNames()).containsExactly("prompt", "steps", "guidance", "seed", "image", "nsfw",
                "error", "elapsed_ms");
    }

    @Test
    void unusableSchemasAreRejectedNamingTheColumn() {
        List<String> keys = InputColumns.DEFAULT_SEED_COLUMNS;
        assertThatThrownBy(() -> InputColumns.of(schema("text", DataTypes.StringType), keys))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("prompt: the input has no");
        assertThatThrownBy(() -> InputColumns.of(schema("prompt", DataTypes.IntegerType), keys))
                .hasMessage("prompt: column type int is not a string");
        assertThatThrownBy(() -> InputColumns.of(schema("prompt", DataTypes.StringType, "steps",
                DataTypes.createArrayType(DataTypes.IntegerType)), keys))
                .hasMessage("steps: column type array<int> is not a number or a string");
        assertThatThrownBy(() -> InputColumns.of(schema("prompt", DataTypes.StringType, "image",
                DataTypes.BinaryType), keys)).hasMessageStartingWith("image: the input already has");
        assertThatThrownBy(() -> InputColumns.of(schema("prompt", DataTypes.StringType), List.of("prompt", "sku")))
                .hasMessageStartingWith("seedColumns: the input has no column 'sku'");
    }
}
