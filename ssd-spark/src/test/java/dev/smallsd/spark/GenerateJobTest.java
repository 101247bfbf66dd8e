package dev.smallsd.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.PngWriter;
import dev.smallsd.schedulers.SchedulerType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@link GenerateJob} end to end in local mode on a small CSV: PNG files, the Parquet table and the manifest. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GenerateJobTest {
    /** RFC 4180 CSV: a quoted comma, doubled quotes, an empty (= default) value, a row with a bad step count. */
    private static final String CSV = String.join("\n",
            "prompt,negative_prompt,seed,steps,guidance,width,height",
            "a red bicycle by the sea,,7,3,7.5,64,64",
            "\"an apple, 4k\",blurry,,2,5,,",
            "zero steps,,5,0,,,",
            "\"a \"\"quoted\"\" lighthouse\",,11,2,1,64,64",
            "");

    @TempDir
    static Path dir;
    private SparkSession spark;
    private GenerateJob.Summary pngRun;
    private GenerateJob.Summary parquetRun;

    @BeforeAll
    void run() throws IOException {
        Path csv = dir.resolve("prompts.csv");
        Files.writeString(csv, CSV);
        spark = LocalSpark.shared();
        pngRun = GenerateJob.run(spark, JobOptions.parse("--input", csv.toString(), "--output",
                dir.resolve("png").toString(), "--model", LocalSpark.tinyModel().toString(), "--scheduler", "euler-a",
                "--steps", "3", "--partitions", "2"));
        parquetRun = GenerateJob.run(spark, JobOptions.parse("--input", csv.toString(), "--output",
                dir.resolve("parquet").toString(), "--model", LocalSpark.tinyModel().toString(), "--scheduler",
                "euler-a", "--steps", "3", "--format", "parquet"));
    }

    @Test
    void pngFormatWritesOneCompleteFilePerImageAndNothingElse() throws IOException {
        assertThat(pngRun).isEqualTo(new GenerateJob.Summary(4, 3, 1, dir.resolve("png").toString()));
        try (Stream<Path> files = Files.list(dir.resolve("png/images"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(names).hasSize(3).allMatch(n -> n.endsWith(".png") && !n.startsWith("."));
        }
    }

    @Test
    void theManifestListsEveryRowWithItsFileSeedAndError() throws IOException {
        Map<String, Row> manifest = byPrompt(GenerateJob.readManifest(spark, dir.resolve("png").toString())
                .collectAsList());
        assertThat(GenerateJob.readManifest(spark, dir.resolve("png").toString()).columns())
                .containsExactly("prompt", "seed", "file", "nsfw", "error");
        assertThat(manifest).containsOnlyKeys("a red bicycle by the sea", "an apple, 4k", "zero steps",
                "a \"quoted\" lighthouse");
        Row bad = manifest.get("zero steps");
        assertThat(bad.getString(2)).isNull();
        assertThat(bad.getString(4)).startsWith("steps: 0");
        for (String prompt : List.of("a red bicycle by the sea", "an apple, 4k", "a \"quoted\" lighthouse")) {
            Row r = manifest.get(prompt);
            assertThat(r.getString(4)).isNull();
            Path png = dir.resolve("png").resolve(r.getString(2));
            assertThat(png).isRegularFile();
            assertThat(PngWriter.readParameters(png)).startsWith(prompt).contains("Seed: " + r.getString(1));
        }
        assertThat(manifest.get("a red bicycle by the sea").getString(1)).isEqualTo("7");
    }

    @Test
    void aFileHoldsTheBytesTheLibraryWritesForTheSameRequest() throws IOException {
        Row r = byPrompt(GenerateJob.readManifest(spark, dir.resolve("png").toString()).collectAsList())
                .get("an apple, 4k");
        GenerationResult expected = LocalSpark.direct().generate(GenerationRequest.builder("an apple, 4k")
                .negativePrompt("blurry").steps(2).guidanceScale(5).seed(Long.parseLong(r.getString(1)))
                .scheduler(SchedulerType.EULER_A).build());
        Path saved = dir.resolve("expected.png");
        expected.savePng(0, saved);
        assertThat(Files.readAllBytes(dir.resolve("png").resolve(r.getString(2))))
                .isEqualTo(Files.readAllBytes(saved));
    }

    @Test
    void parquetFormatWritesOneTableWithTheSameBytes() throws IOException {
        assertThat(parquetRun.rows()).isEqualTo(4);
        assertThat(parquetRun.errors()).isEqualTo(1);
        List<Row> table = spark.read().parquet(dir.resolve("parquet").resolve(GenerateJob.PARQUET_TABLE).toString())
                .collectAsList();
        Map<String, Row> png = byPrompt(GenerateJob.readManifest(spark, dir.resolve("png").toString())
                .collectAsList());
        assertThat(table).hasSize(4);
        for (Row t : table) {
            String prompt = t.getAs("prompt");
            String file = png.get(prompt).getString(2);
            if (file == null) {
                assertThat((byte[]) t.getAs("image")).isNull();
            } else {
                assertThat((byte[]) t.getAs("image")).as(prompt)
                        .isEqualTo(Files.readAllBytes(dir.resolve("png").resolve(file)));
            }
        }
        for (Row m : GenerateJob.readManifest(spark, dir.resolve("parquet").toString()).collectAsList()) {
            assertThat(m.getString(2)).startsWith(GenerateJob.PARQUET_TABLE + "/part-").endsWith(".parquet");
            assertThat(dir.resolve("parquet").resolve(m.getString(2))).isRegularFile();
        }
    }

    private static Map<String, Row> byPrompt(List<Row> rows) {
        Map<String, Row> m = new HashMap<>();
        for (Row r : rows) {
            m.put(r.getString(0), r);
        }
        return m;
    }
}
