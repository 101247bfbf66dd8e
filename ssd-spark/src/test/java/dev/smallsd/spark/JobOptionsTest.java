package dev.smallsd.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smallsd.SafetyMode;
import dev.smallsd.schedulers.SchedulerType;
import org.junit.jupiter.api.Test;

/** The {@link GenerateJob} command line: defaults, every option, and errors that name the option. */
class JobOptionsTest {
    private static final String[] REQUIRED = {"--input", "in/prompts.csv", "--output", "out", "--model", "m"};

    @Test
    void defaultsAndFormatFromTheFileName() {
        JobOptions o = JobOptions.parse(REQUIRED);
        assertThat(o.inputFormat()).isEqualTo("csv");
        assertThat(o.format()).isEqualTo(JobOptions.Format.PNG);
        assertThat(o.safety()).isEqualTo(SafetyMode.BLOCK);
        assertThat(o.seed()).isZero();
        assertThat(o.steps()).isNull();
        assertThat(o.maxPixels()).isEqualTo(SparkImageGenerator.DEFAULT_MAX_PIXELS);
        assertThat(JobOptions.parse("--input", "p.jsonl", "--output", "o", "--model", "m").inputFormat())
                .isEqualTo("json");
        assertThat(JobOptions.parse("--input", "hdfs:///x/p.parquet/", "--output", "o", "--model", "m").inputFormat())
                .isEqualTo("parquet");
    }

    @Test
    void everyOption() {
        JobOptions o = JobOptions.parse("--input", "dir", "--input-format", "JSON", "--output", "o", "--model", "m",
                "--format", "parquet", "--scheduler", "dpm++2m", "--steps", "20", "--guidance", "6.5", "--size",
                "512x768", "--negative-prompt", "blurry", "--seed", "-3", "--safety", "flag-only", "--threads", "4",
                "--partitions", "8", "--revision", "fp16", "--max-pixels", "4194304");
        assertThat(o).isEqualTo(new JobOptions("dir", "json", "o", JobOptions.Format.PARQUET, "m", "fp16",
                SchedulerType.DPMPP_2M, 20, 6.5, 512, 768, "blurry", -3, SafetyMode.FLAG_ONLY, 4, 8, 4_194_304L));
        assertThat(o.generator().settings().steps()).isEqualTo(20);
        assertThat(o.generator().settings().maxPixels()).isEqualTo(4_194_304L);
    }

    @Test
    void errorsNameTheOption() {
        assertThatThrownBy(() -> JobOptions.parse("--input", "p.csv", "--output", "o"))
                .hasMessageStartingWith("--model: required");
        assertThatThrownBy(() -> JobOptions.parse(concat("--steps", "ten"))).hasMessageStartingWith("--steps:");
        assertThatThrownBy(() -> JobOptions.parse(concat("--steps", "0"))).hasMessageStartingWith("--steps:");
        assertThatThrownBy(() -> JobOptions.parse(concat("--size", "60x64"))).hasMessageStartingWith("--size:");
        assertThatThrownBy(() -> JobOptions.parse(concat("--format", "jpeg"))).hasMessageStartingWith("--format:");
        assertThatThrownBy(() -> JobOptions.parse(concat("--scheduler", "nope")))
                .hasMessageStartingWith("--scheduler:");
        assertThatThrownBy(() -> JobOptions.parse(concat("--colour", "red"))).hasMessageStartingWith("--colour:");
        assertThatThrownBy(() -> JobOptions.parse(concat("--steps"))).hasMessageStartingWith("--steps: a value");
        assertThatThrownBy(() -> JobOptions.parse(concat("--max-pixels", "0"))).hasMessageStartingWith("--max-pixels:");
        assertThatThrownBy(() -> JobOptions.parse("--input", "prompts.txt", "--output", "o", "--model", "m"))
                .hasMessageStartingWith("--input-format:");
    }

    private static String[] concat(String... more) {
        String[] all = new String[REQUIRED.length + more.length];
        System.arraycopy(REQUIRED, 0, all, 0, REQUIRED.length);
        System.arraycopy(more, 0, all, REQUIRED.length, more.length);
        return all;
    }
}
