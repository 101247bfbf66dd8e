package dev.smallsd.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.schedulers.SchedulerType;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Dataset API in local mode on the tiny model: the same bytes as {@link SmallStableDiffusion#generate} for the
 * same rows, whatever the number of cores, partitions or runs; bad rows get an error; one model load per JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatasetGenerationTest {
    private static final StructType SCHEMA = DataTypes.createStructType(List.of(
            DataTypes.createStructField("id", DataTypes.IntegerType, false),
            DataTypes.createStructField("prompt", DataTypes.StringType, true),
            DataTypes.createStructField("negative_prompt", DataTypes.StringType, true),
            DataTypes.createStructField("seed", DataTypes.LongType, true),
            DataTypes.createStructField("steps", DataTypes.IntegerType, true),
            DataTypes.createStructField("guidance", DataTypes.DoubleType, true),
            DataTypes.createStructField("width", DataTypes.IntegerType, true),
            DataTypes.createStructField("height", DataTypes.IntegerType, true)));
    /** Good rows: own seed; derived seed with a negative prompt; derived seed, no guidance, model default size. */
    private static final List<Row> GOOD = List.of(
            RowFactory.create(1, "a red bicycle by the sea", null, 7L, 3, 7.5, 64, 64),
            RowFactory.create(2, "an apple, 4k", "blurry", null, 2, 5.0, 64, 64),
            RowFactory.create(3, "a lighthouse at night", null, null, 3, 1.0, null, null));
    /** Bad rows, each with the start of its expected error. */
    private static final Map<Integer, String> BAD = Map.of(4, "steps: 0", 5, "width: 60", 6, "prompt:",
            7, "width: 4096x4096 is more than the generator's maxPixels");
    private static final List<Row> ROWS = new ArrayList<>(GOOD);

    static {
        ROWS.add(RowFactory.create(4, "zero steps", null, 5L, 0, 7.5, 64, 64));
        ROWS.add(RowFactory.create(5, "a width that is not a multiple of 8", null, 5L, 2, 7.5, 60, 64));
        ROWS.add(RowFactory.create(6, null, null, 5L, 2, 7.5, 64, 64));
        ROWS.add(RowFactory.create(7, "a poster that would not fit in memory", null, 5L, 2, 7.5, 4096, 4096));
    }

    private SparkImageGenerator generator;
    private List<Row> oneCoreOnePartition;
    private List<Row> twoCoresTwoPartitions;
    private List<Row> twoCoresAgain;
    private int tasksOfOneRun;
    private SparkSession spark;

    @BeforeAll
    void runEverywhere() {
        generator = SparkImageGenerator.builder()
                .model(LocalSpark.tinyModel().toString())
                .scheduler(SchedulerType.EULER_A)
                .steps(3)
                .build();
        spark = LocalSpark.start(1);
        oneCoreOnePartition = generator.generate(prompts(1)).collectAsList();
        spark.stop();

        spark = LocalSpark.shared();
        twoCoresTwoPartitions = generator.generate(prompts(2)).collectAsList();
        int tasksBefore = ExecutorModels.tasks(generator.modelKey());
        twoCoresAgain = generator.generate(prompts(2)).collectAsList();
        tasksOfOneRun = ExecutorModels.tasks(generator.modelKey()) - tasksBefore;

    }

    private Dataset<Row> prompts(int partitions) {
        return spark.createDataFrame(ROWS, SCHEMA).repartition(partitions);
    }

    @Test
    void imagesAreByteIdenticalToTheLibraryForTheSameRows() throws Exception {
        Map<Integer, Row> out = byId(twoCoresTwoPartitions);
        SmallStableDiffusion sd = LocalSpark.direct();
        for (Row in : GOOD) {
            Row r = out.get(in.getInt(0));
            GenerationRequest.Builder b = GenerationRequest.builder(in.getString(1))
                    .negativePrompt(in.getString(2))
                    .steps(in.getInt(4))
                    .guidanceScale(in.getDouble(5))
                    .seed(r.getAs("seed"))
                    .scheduler(SchedulerType.EULER_A);
            if (!in.isNullAt(6)) {
                b.size(in.getInt(6), in.getInt(7));
            }
            GenerationResult expected = sd.generate(b.build());
            assertThat(parameters(r.getAs("image"))).isEqualTo(expected.parameters().get(0));
            assertThat((byte[]) r.getAs("image")).as("row %d", in.getInt(0)).isEqualTo(expected.pngBytes(0));
            assertThat((Boolean) r.getAs("nsfw")).isEqualTo(expected.isNsfw(0));
            assertThat(ImageIO.read(new ByteArrayInputStream(r.getAs("image"))).getWidth()).isEqualTo(64);
        }
    }

    @Test
    void oneCoreOnePartitionAndASecondRunGiveTheSameBytes() {
        Map<Integer, Row> a = byId(twoCoresTwoPartitions);
        for (Map<Integer, Row> other : List.of(byId(oneCoreOnePartition), byId(twoCoresAgain))) {
            assertThat(other.keySet()).isEqualTo(a.keySet());
            for (Row in : GOOD) {
                int id = in.getInt(0);
                assertThat((byte[]) other.get(id).getAs("image")).as("row %d", id)
                        .isEqualTo((byte[]) a.get(id).getAs("image"));
                assertThat((Long) other.get(id).getAs("seed")).isEqualTo((Long) a.get(id).getAs("seed"));
            }
        }
    }

    @Test
    void aGivenSeedIsKeptAndAMissingOneComesFromTheJobSeedAndThePrompts() {
        Map<Integer, Row> out = byId(twoCoresTwoPartitions);
        assertThat((Long) out.get(1).getAs("seed")).isEqualTo(7L);
        assertThat((Long) out.get(2).getAs("seed")).isEqualTo(RowSeeds.derive(0L,
                InputColumns.DEFAULT_SEED_COLUMNS, Arrays.asList("an apple, 4k", "blurry")));
        assertThat((Long) out.get(3).getAs("seed")).isEqualTo(RowSeeds.derive(0L,
                InputColumns.DEFAULT_SEED_COLUMNS, Arrays.asList("a lighthouse at night", null)));
    }

    @Test
    void badRowsGetAnErrorAndTheOthersComplete() {
        Map<Integer, Row> out = byId(twoCoresTwoPartitions);
        assertThat(out).hasSize(ROWS.size());
        for (Row in : GOOD) {
            Row r = out.get(in.getInt(0));
            assertThat((String) r.getAs("error")).isNull();
            assertThat((byte[]) r.getAs("image")).isNotEmpty();
            assertThat((Long) r.getAs("elapsed_ms")).isGreaterThanOrEqualTo(0L);
        }
        BAD.forEach((id, error) -> {
            Row r = out.get(id);
            assertThat((String) r.getAs("error")).as("row %d", id).startsWith(error);
            assertThat((byte[]) r.getAs("image")).isNull();
            assertThat((Boolean) r.getAs("nsfw")).isNull();
        });
    }

    @Test
    void theOutputIsTheInputPlusTheGeneratedColumnsWithSeedAsLong() {
        StructType out = generator.outputSchema(SCHEMA);
        assertThat(out.fieldNames()).containsExactly("id", "prompt", "negative_prompt", "seed", "steps", "guidance",
                "width", "height", "image", "nsfw", "error", "elapsed_ms");
        assertThat(out.apply("seed").dataType()).isEqualTo(DataTypes.LongType);
        assertThat(out.apply("image").dataType()).isEqualTo(DataTypes.BinaryType);
        StructType promptOnly = DataTypes.createStructType(List.of(
                DataTypes.createStructField("prompt", DataTypes.StringType, true)));
        assertThat(generator.outputSchema(promptOnly).fieldNames())
                .containsExactly("prompt", "image", "nsfw", "seed", "error", "elapsed_ms");
    }

    @Test
    void theModelIsLoadedOncePerJvmAndSharedByEveryTask() {
        assertThat(ExecutorModels.loads(generator.modelKey())).isEqualTo(1);
        assertThat(tasksOfOneRun).isEqualTo(2);
    }

    /** @return the text of the PNG's {@code parameters} chunk (tEXt is Latin-1) */
    static String parameters(byte[] png) {
        String s = new String(png, java.nio.charset.StandardCharsets.ISO_8859_1);
        int start = s.indexOf("tEXtparameters\0");
        assertThat(start).as("parameters chunk").isPositive();
        int length = java.nio.ByteBuffer.wrap(png, start - 4, 4).getInt();
        return s.substring(start + 15, start + 4 + length);
    }

    private static Map<Integer, Row> byId(List<Row> rows) {
        Map<Integer, Row> m = new HashMap<>();
        for (Row r : rows) {
            m.put(r.getInt(0), r);
        }
        return m;
    }
}
