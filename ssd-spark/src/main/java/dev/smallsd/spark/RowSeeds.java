package dev.smallsd.spark;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Seeds for rows that carry none: SHA-256 of the job seed and the row's key columns (by default the prompt and the
 * negative prompt), so a row's seed depends on nothing but its content — not on the partition, the executor, the
 * order of rows or a task retry. The seed is the digest's first 4 bytes as an unsigned number, the range of
 * {@code torch.Generator("cpu")} seeds that matter (PyTorch's CPU generator keeps only the low 32 bits) and of
 * A1111's seeds.
 *
 * <p>Values are hashed by meaning, not by storage type: the integer 30 read from JSON and the text {@code "30"}
 * read from CSV differ, but an {@code int} 30, a {@code long} 30 and a {@code double} 30.0 give the same seed, so
 * converting a table between formats keeps its images. The encoding is versioned and must never change.
 */
final class RowSeeds {
    private static final byte[] DOMAIN = "ssd-spark row seed v1".getBytes(StandardCharsets.UTF_8);

    private RowSeeds() {}

    /**
     * @param jobSeed the generator's job seed
     * @param names the key columns' names
     * @param values their values in this row ({@code null} for a null value or an absent column)
     * @return a seed in {@code [0, 2^32)}
     */
    static long derive(long jobSeed, List<String> names, List<Object> values) {
        MessageDigest sha = sha256();
        sha.update(DOMAIN);
        sha.update(ByteBuffer.allocate(Long.BYTES).putLong(jobSeed).array());
        for (int i = 0; i < names.size(); i++) {
            field(sha, names.get(i).getBytes(StandardCharsets.UTF_8));
            field(sha, canonical(values.get(i)).getBytes(StandardCharsets.UTF_8));
        }
        byte[] d = sha.digest();
        return ByteBuffer.wrap(d, 0, Integer.BYTES).getInt() & 0xFFFF_FFFFL;
    }

    /** Length-prefixed, so that no two different lists of fields encode alike. */
    private static void field(MessageDigest sha, byte[] bytes) {
        sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        sha.update(bytes);
    }

    /**
     * @param v a Spark row value
     * @return its type-tagged canonical text
     */
    static String canonical(Object v) {
        if (v == null) {
            return "N";
        }
        if (v instanceof String s) {
            return "S" + s;
        }
        if (v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long
                || v instanceof BigInteger) {
            return "I" + v;
        }
        if (v instanceof Float || v instanceof Double) {
            double d = ((Number) v).doubleValue();
            if (Double.isFinite(d)) {
                return number(new BigDecimal(d));
            }
            return "D" + d;
        }
        if (v instanceof BigDecimal b) {
            return number(b);
        }
        if (v instanceof Boolean b) {
            return "B" + b;
        }
        if (v instanceof byte[] bytes) {
            return "X" + HexFormat.of().formatHex(bytes);
        }
        return "O" + v;
    }

    private static String number(BigDecimal b) {
        BigDecimal s = b.stripTrailingZeros();
        return s.scale() <= 0 ? "I" + s.toBigIntegerExact() : "D" + s.toPlainString();
    }

    /** @return a new SHA-256 digest */
    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
