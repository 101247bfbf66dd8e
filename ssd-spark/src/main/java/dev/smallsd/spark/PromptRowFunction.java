package dev.smallsd.spark;

import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task side of {@link SparkImageGenerator#generate}: turns each input row into a request, runs it on the JVM's
 * shared model and returns the output row. Rows are generated one at a time as Spark pulls them, so a partition never
 * holds more than one image; an empty partition never loads the model. A row whose parameters are invalid gets its
 * {@code IllegalArgumentException} message in {@code error}; any other failure fails the task (Spark retries it,
 * and a retry gives the same images).
 */
final class PromptRowFunction implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PromptRowFunction.class);

    private final GeneratorSettings settings;
    private final InputColumns columns;

    PromptRowFunction(GeneratorSettings settings, InputColumns columns) {
        this.settings = settings;
        this.columns = columns;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Iterator<>() {
            private ExecutorModels.Slot model;

            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row row = rows.next();
                if (model == null) {
                    int threads = settings.threads() != null ? settings.threads() : TaskThreads.forThisExecutor();
                    model = ExecutorModels.acquire(settings.model(), threads);
                }
                return generate(model, row);
            }
        };
    }

    private Row generate(ExecutorModels.Slot model, Row row) {
        long start = System.nanoTime();
        Long seed = null;
        byte[] png = null;
        Boolean nsfw = null;
        String error = null;
        try {
            seed = RowRequest.seedOf(row, columns, settings);
            RowRequest r = RowRequest.of(row, columns, settings, seed);
            GenerationResult result = model.generate(r.toRequest(settings, model.defaultSize()));
            png = result.pngBytes(0);
            nsfw = result.safetyChecked() ? result.isNsfw(0) : null;
        } catch (IllegalArgumentException e) {
            error = e.getMessage();
            LOG.warn("row skipped: {}", error);
        } catch (IOException e) {
            throw new UncheckedIOException("PNG encoding failed", e);
        }
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        return output(row, png, nsfw, seed, error, elapsed);
    }

    private Row output(Row row, byte[] png, Boolean nsfw, Long seed, String error, long elapsedMs) {
        List<Object> values = new ArrayList<>(columns.output.size());
        for (int i = 0; i < columns.inputWidth; i++) {
            values.add(row.get(i));
        }
        values.add(png);
        values.add(nsfw);
        if (columns.seed < 0) {
            values.add(seed);
        } else {
            values.set(columns.seed, seed);
        }
        values.add(error);
        values.add(elapsedMs);
        return RowFactory.create(values.toArray());
    }

    /**
     * One row's parameters, defaults applied.
     *
     * @param prompt the prompt
     * @param negativePrompt the negative prompt or {@code null}
     * @param seed the row's seed or the one derived from its content
     * @param steps steps
     * @param guidance guidance scale
     * @param width width or {@code null} for the model default
     * @param height height or {@code null} for the model default
     */
    record RowRequest(String prompt, String negativePrompt, long seed, int steps, double guidance, Integer width,
            Integer height) {

        /**
         * @param row the input row
         * @param c the input's columns
         * @param s the generator settings (defaults)
         * @param seed the row's seed
         * @return the row's parameters
         * @throws IllegalArgumentException naming the column of an unusable value
         */
        static RowRequest of(Row row, InputColumns c, GeneratorSettings s, long seed) {
            String prompt = RowValues.text(row, c.prompt, InputColumns.PROMPT);
            if (prompt == null) {
                throw new IllegalArgumentException("prompt: the row's prompt is null");
            }
            String negative = RowValues.text(row, c.negativePrompt, InputColumns.NEGATIVE_PROMPT);
            Integer steps = RowValues.integer(row, c.steps, InputColumns.STEPS);
            Double guidance = RowValues.real(row, c.guidance, InputColumns.GUIDANCE);
            Integer width = RowValues.integer(row, c.width, InputColumns.WIDTH);
            Integer height = RowValues.integer(row, c.height, InputColumns.HEIGHT);
            return new RowRequest(prompt, negative != null ? negative : s.negativePrompt(),
                    seed,
                    steps != null ? steps : s.steps(),
                    guidance != null ? guidance : s.guidance(),
                    width != null ? width : s.width(),
                    height != null ? height : s.height());
        }

        /**
         * @return the row's own seed, or one derived from the job seed and the row's key columns
         * @throws IllegalArgumentException when the row's seed is not a whole number
         */
        static long seedOf(Row row, InputColumns c, GeneratorSettings s) {
            Long own = RowValues.whole(row, c.seed, InputColumns.SEED);
            if (own != null) {
                return own;
            }
            List<Object> values = new ArrayList<>(c.seedColumnIndexes.length);
            for (int i : c.seedColumnIndexes) {
                values.add(i < 0 ? null : row.get(i));
            }
            return RowSeeds.derive(s.jobSeed(), c.seedColumns, values);
        }

        /**
         * @param s the generator settings (scheduler, size limit)
         * @param defaultSize the model's default width/height, for a row that gives only one of them
         * @return the request
         * @throws IllegalArgumentException when the image would be larger than the generator allows
         */
        GenerationRequest toRequest(GeneratorSettings s, int defaultSize) {
            GenerationRequest.Builder b = GenerationRequest.builder(prompt)
                    .negativePrompt(negativePrompt)
                    .steps(steps)
                    .guidanceScale(guidance)
                    .seed(seed);
            int w = width != null ? width : defaultSize;
            int h = height != null ? height : defaultSize;
            if ((long) w * h > s.maxPixels()) {
                throw new IllegalArgumentException((width != null ? "width" : "height") + ": " + w + "x" + h
                        + " is more than the generator's maxPixels (" + s.maxPixels() + " pixels)");
            }
            if (width != null || height != null) {
                b.width(w).height(h);
            }
            if (s.scheduler() != null) {
                b.scheduler(s.scheduler());
            }
            return b.build();
        }
    }
}
