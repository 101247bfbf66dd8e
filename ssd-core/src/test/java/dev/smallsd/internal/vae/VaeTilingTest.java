package dev.smallsd.internal.vae;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.SubCases;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Tiled decoding ({@code enable_vae_tiling} semantics) on the tiny VAE. */
class VaeTilingTest {
    private static NDManager weightsManager;
    private static AutoencoderKL vae;
    private static AutoencoderKL tiled;

    @BeforeAll
    static void load() {
        weightsManager = NDManager.newBaseManager();
        ModelDirectory dir = ModelDirectory.open(Golden.tinyModel());
        try (TensorFile f = dir.openWeights(ModelDirectory.VAE, null, null)) {
            vae = AutoencoderKL.load(dir.vaeConfig(), f, weightsManager);
        }
        tiled = vae.withTiling(VaeTiling.of(vae.config()));
    }

    @AfterAll
    static void close() {
        weightsManager.close();
    }

    @Test
    void settingsFollowDiffusers() {
        VaeTiling t = VaeTiling.of(vae.config());
        assertThat(t.tileSampleMinSize()).isEqualTo(vae.config().sampleSize());
        assertThat(t.tileLatentMinSize()).isEqualTo(vae.config().sampleSize() / vae.config().spatialFactor());
        assertThat(t.overlapFactor()).isEqualTo(0.25);
        assertThat(vae.tiling().enabled()).isFalse();
    }

    /** For every golden decode sub-case: equal to plain decoding within one tile, close to it beyond. */
    @TestFactory
    Stream<DynamicTest> tiledDecodingOfTheGoldenLatents() {
        JsonObject entry = Golden.caseEntry("vae");
        Map<String, Set<String>> subCases = SubCases.of(entry);
        return subCases.entrySet().stream().filter(e -> e.getValue().contains("z"))
                .map(e -> DynamicTest.dynamicTest("vae " + e.getKey() + " tiled", () -> {
                    try (NDManager m = NDManager.newBaseManager(); SafeTensorsFile f = Golden.open("vae")) {
                        compare(e.getKey(), f.load(e.getKey() + "_z", m));
                    }
                }));
    }

    /**
     * For every golden decode sub-case, its latents grown past one tile in both directions (mirrored copies side by
     * side and on top, whatever the case's batch and size): tiled decoding must equal, value for value, diffusers'
     * {@code tiled_decode} loops run over the real VAE's decodes of the same tiles. This pins the tile grid (which
     * latent window each tile decodes, where each decoded tile lands), the crop and the blending weights together.
     */
    @TestFactory
    Stream<DynamicTest> tiledDecodingOfLatentsLargerThanATile() {
        JsonObject entry = Golden.caseEntry("vae");
        int tile = tiled.tiling().tileLatentMinSize();
        return SubCases.of(entry).entrySet().stream().filter(e -> e.getValue().contains("z"))
                .map(e -> DynamicTest.dynamicTest("vae " + e.getKey() + " tiled, grown past one tile", () -> {
                    try (NDManager m = NDManager.newBaseManager(); SafeTensorsFile f = Golden.open("vae")) {
                        NDArray z = f.load(e.getKey() + "_z", m);
                        while (z.getShape().get(2) <= tile) {
                            z = NDArrays.concat(new NDList(z, z.flip(2)), 2);
                        }
                        while (z.getShape().get(3) <= tile) {
                            z = NDArrays.concat(new NDList(z, z.flip(3)), 3);
                        }
                        compare(e.getKey() + " grown", z);
                    }
                }));
    }

    private static void compare(String what, NDArray z) {
        NDArray plain = vae.decode(z);
        NDArray tiledOut = tiled.decode(z);
        assertThat(tiledOut.getShape()).isEqualTo(plain.getShape());
        int tile = tiled.tiling().tileLatentMinSize();
        double max = AutoencoderKLGoldenTest.maxAbsDiff(tiledOut, plain);
        System.out.printf("vae tiled vs plain decode, %s latent %s (tile %d): max|diff| %.3g%n", what, z.getShape(),
                tile, max);
        if (z.getShape().get(2) <= tile && z.getShape().get(3) <= tile) {
            assertThat(max).as("no larger than one tile: tiled decoding is plain decoding").isZero();
        } else {
            // the seams differ from plain decoding by whatever the (here random) weights make of a tile's border;
            // what is exact is the algorithm: diffusers' loops over the same tile decodes give the same values
            assertSameAsDiffusers(tiledOut, diffusersTiledDecode(z, tiled.tiling(), vae::decode));
        }
    }

    private static void assertSameAsDiffusers(NDArray actual, float[][][][] expected) {
        Shape s = actual.getShape();
        assertThat(s).isEqualTo(new Shape(expected.length, expected[0].length, expected[0][0].length,
                expected[0][0][0].length));
        float[] a = actual.toFloatArray();
        int k = 0;
        for (float[][][] n : expected) {
            for (float[][] c : n) {
                for (float[] r : c) {
                    for (float v : r) {
                        if (a[k] != v) {
                            assertThat(a[k]).as("flat index %d of %s", k, s).isEqualTo(v);
                        }
                        k++;
                    }
                }
            }
        }
    }

    /**
     * The blending against a literal port of diffusers' {@code tiled_decode} loops (which blend in place), with a
     * stand-in tile decoder whose tiles disagree on their overlap.
     */
    @Test
    void blendingMatchesDiffusersInPlaceLoops() {
        VaeTiling t = new VaeTiling(true, 32, 4, 0.25);
        int factor = 8;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray z = m.randomNormal(new Shape(1, 2, 11, 9));
            UnaryOperator<NDArray> fakeDecode = tile -> {
                NDArray up = tile.repeat(2, factor).repeat(3, factor).tanh();
                return up.add(tile.mean().mul(3f));
            };
            NDArray actual = AutoencoderKL.tiledDecode(z, t, fakeDecode);
            assertSameAsDiffusers(actual, diffusersTiledDecode(z, t, fakeDecode));
        }
    }

    /** diffusers v0.27.2 {@code tiled_decode} / {@code blend_v} / {@code blend_h}, statement by statement. */
    private static float[][][][] diffusersTiledDecode(NDArray z, VaeTiling t, UnaryOperator<NDArray> decode) {
        int overlap = (int) (t.tileLatentMinSize() * (1 - t.overlapFactor()));
        int blendExtent = (int) (t.tileSampleMinSize() * t.overlapFactor());
        int rowLimit = t.tileSampleMinSize() - blendExtent;
        long h = z.getShape().get(2);
        long w = z.getShape().get(3);
        int lt = t.tileLatentMinSize();
        List<List<float[][][][]>> rows = new ArrayList<>();
        for (long i = 0; i < h; i += overlap) {
            List<float[][][][]> row = new ArrayList<>();
            for (long j = 0; j < w; j += overlap) {
                NDArray tile = z.get(":, :, " + i + ":" + Math.min(h, i + lt) + ", " + j + ":" + Math.min(w, j + lt));
                row.add(toArray(decode.apply(tile)));
            }
            rows.add(row);
        }
        List<float[][][][]> resultRows = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            List<float[][][][]> row = rows.get(i);
            List<float[][][][]> resultRow = new ArrayList<>();
            for (int j = 0; j < row.size(); j++) {
                float[][][][] tile = row.get(j);
                if (i > 0) {
                    blendV(rows.get(i - 1).get(j), tile, blendExtent);
                }
                if (j > 0) {
                    blendH(row.get(j - 1), tile, blendExtent);
                }
                resultRow.add(crop(tile, rowLimit));
            }
            resultRows.add(catW(resultRow));
        }
        return catH(resultRows);
    }

    private static void blendV(float[][][][] a, float[][][][] b, int extent) {
        int ah = a[0][0].length;
        int e = Math.min(Math.min(ah, b[0][0].length), extent);
        for (int y = 0; y < e; y++) {
            float wa = (float) (1 - y / (double) e);
            float wb = (float) (y / (double) e);
            for (int n = 0; n < b.length; n++) {
                for (int c = 0; c < b[n].length; c++) {
                    for (int x = 0; x < b[n][c][y].length; x++) {
                        b[n][c][y][x] = a[n][c][ah - e + y][x] * wa + b[n][c][y][x] * wb;
                    }
                }
            }
        }
    }

    private static void blendH(float[][][][] a, float[][][][] b, int extent) {
        int aw = a[0][0][0].length;
        int e = Math.min(Math.min(aw, b[0][0][0].length), extent);
        for (int x = 0; x < e; x++) {
            float wa = (float) (1 - x / (double) e);
            float wb = (float) (x / (double) e);
            for (int n = 0; n < b.length; n++) {
                for (int c = 0; c < b[n].length; c++) {
                    for (int y = 0; y < b[n][c].length; y++) {
                        b[n][c][y][x] = a[n][c][y][aw - e + x] * wa + b[n][c][y][x] * wb;
                    }
                }
            }
        }
    }

    private static float[][][][] toArray(NDArray x) {
        Shape s = x.getShape();
        float[] flat = x.toFloatArray();
        float[][][][] out = new float[(int) s.get(0)][(int) s.get(1)][(int) s.get(2)][(int) s.get(3)];
        int k = 0;
        for (float[][][] a : out) {
            for (float[][] b : a) {
                for (float[] c : b) {
                    for (int i = 0; i < c.length; i++) {
                        c[i] = flat[k++];
                    }
                }
            }
        }
        return out;
    }

    private static float[][][][] crop(float[][][][] t, int limit) {
        int hh = Math.min(limit, t[0][0].length);
        int ww = Math.min(limit, t[0][0][0].length);
        float[][][][] out = new float[t.length][t[0].length][hh][ww];
        for (int n = 0; n < t.length; n++) {
            for (int c = 0; c < t[n].length; c++) {
                for (int y = 0; y < hh; y++) {
                    System.arraycopy(t[n][c][y], 0, out[n][c][y], 0, ww);
                }
            }
        }
        return out;
    }

    private static float[][][][] catW(List<float[][][][]> tiles) {
        float[][][][] first = tiles.get(0);
        int width = tiles.stream().mapToInt(t -> t[0][0][0].length).sum();
        float[][][][] out = new float[first.length][first[0].length][first[0][0].length][width];
        int off = 0;
        for (float[][][][] t : tiles) {
            for (int n = 0; n < t.length; n++) {
                for (int c = 0; c < t[n].length; c++) {
                    for (int y = 0; y < t[n][c].length; y++) {
                        System.arraycopy(t[n][c][y], 0, out[n][c][y], off, t[n][c][y].length);
                    }
                }
            }
            off += t[0][0][0].length;
        }
        return out;
    }

    private static float[][][][] catH(List<float[][][][]> rows) {
        float[][][][] first = rows.get(0);
        int height = rows.stream().mapToInt(t -> t[0][0].length).sum();
        float[][][][] out = new float[first.length][first[0].length][height][];
        int off = 0;
        for (float[][][][] r : rows) {
            for (int n = 0; n < r.length; n++) {
                for (int c = 0; c < r[n].length; c++) {
                    for (int y = 0; y < r[n][c].length; y++) {
                        out[n][c][off + y] = r[n][c][y];
                    }
                }
            }
            off += r[0][0].length;
        }
        return out;
    }
}
