/**
 * Small Stable Diffusion on Apache Spark: {@link dev.smallsd.spark.SparkImageGenerator} turns a {@code Dataset<Row>}
 * of prompts into a {@code Dataset<Row>} of PNG images inside the executors, and
 * {@link dev.smallsd.spark.GenerateJob} is the {@code spark-submit} batch entry point that writes them out.
 *
 * <p>Each executor JVM loads one model lazily and shares it between its tasks; a row's image depends only on the row
 * and the generator's settings, never on partitioning, executor count or task retries.
 */
package dev.smallsd.spark;
