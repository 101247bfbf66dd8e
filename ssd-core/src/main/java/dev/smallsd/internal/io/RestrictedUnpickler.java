package dev.smallsd.internal.io;

import dev.smallsd.ModelLoadException;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A pickle reader for PyTorch state dicts that never executes or instantiates anything: like PyTorch's
 * {@code weights_only=True} it only understands the opcodes and globals that {@code torch.save(state_dict)} writes and
 * refuses everything else before using it. The result is a tree of plain values: {@code null}, {@link Boolean},
 * {@link Long} (or {@link BigInteger} when larger), {@link Double}, {@link String}, {@link Tuple}, {@link List},
 * {@link LinkedHashMap} (dicts and {@code OrderedDict}s), {@link StorageRef} and {@link TensorRef}.
 */
final class RestrictedUnpickler {

    /** A Python tuple. */
    record Tuple(List<Object> items) {}

    /** A reference to an allowed global (only ever used as a marker, never resolved to code). */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /**
     * A storage from a persistent id {@code ('storage', storage_type, key, location, numel)}.
     *
     * @param dtype element type of the storage class
     * @param key the storage's entry name under {@code data/}
     * @param numel number of elements
     */
    record StorageRef(DType dtype, String key, long numel) {}

    /**
     * A tensor from {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)}.
     *
     * @param storage the storage
     * @param offset offset into the storage, in elements
     * @param size the shape
     * @param stride the strides, in elements
     */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };

    private static final String ORDERED_DICT = "collections.OrderedDict";
    private static final String REBUILD_TENSOR_V2 = "torch._utils._rebuild_tensor_v2";
    private static final String REBUILD_PARAMETER = "torch._utils._rebuild_parameter";
    private static final String REBUILD_PARAMETER_WITH_STATE = "torch._utils._rebuild_parameter_with_state";

    /** Storage classes and the element types they hold. */
    static final Map<String, DType> STORAGE_TYPES = Map.of(
            "torch.FloatStorage", DType.F32,
            "torch.HalfStorage", DType.F16,
            "torch.BFloat16Storage", DType.BF16,
            "torch.DoubleStorage", DType.F64,
            "torch.LongStorage", DType.I64,
            "torch.IntStorage", DType.I32,
            "torch.CharStorage", DType.I8,
            "torch.ByteStorage", DType.U8,
            "torch.BoolStorage", DType.BOOL);

    private static final Set<String> CALLABLES = Set.of(ORDERED_DICT, REBUILD_TENSOR_V2, REBUILD_PARAMETER,
            REBUILD_PARAMETER_WITH_STATE);

    private static final int MAX_LINE = 256;
    /**
     * The most values a pickle may push (a Stable Diffusion UNet state dict pushes ~12,000): bounds the memory a
     * hostile pickle of cheap opcodes (e.g. millions of EMPTY_LIST) could make this reader allocate.
     */
    static final int MAX_VALUES = 2_000_000;

    private final Path file;
    private final String what;
    private final byte[] data;
    private int pos;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int pushes;

    private RestrictedUnpickler(Path file, String what, byte[] data) {
        this.file = file;
        this.what = what;
        this.data = data;
    }

    /**
     * Unpickles a state dict pickle.
     *
     * @param file the checkpoint, named in errors
     * @param what the pickle's entry name, named in errors
     * @param data the pickle bytes
     * @return the top-level value
     * @throws ModelLoadException on a malformed pickle, an unsupported opcode or a forbidden global
     */
    static Object load(Path file, String what, byte[] data) {
        try {
            return new RestrictedUnpickler(file, what, data).run();
        } catch (ArithmeticException | ClassCastException e) {
            throw new ModelLoadException(file, what + ": malformed pickle (" + e.getMessage() + ")", e);
        }
    }

    private ModelLoadException error(String msg) {
        return new ModelLoadException(file, what + ": " + msg);
    }

    private ModelLoadException malformed(int at, String msg) {
        return error("malformed pickle at byte " + at + ": " + msg);
    }

    private Object run() {
        while (true) {
            if (pos >= data.length) {
                throw malformed(pos, "ends without a STOP opcode");
            }
            int at = pos;
            int op = data[pos++] & 0xFF;
            switch (op) {
                case 0x80: // PROTO
                    int proto = u8();
                    if (proto > 5) {
                        throw malformed(at, "unsupported pickle protocol " + proto);
                    }
                    break;
                case 0x95: // FRAME (protocol 4): just a length prefix
                    need(8);
                    pos += 8;
                    break;
                case '.': // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw malformed(at, "STOP with " + stack.size() + " values on the stack");
                    }
                    return checkNotMark(at, stack.get(0));
                case '(': // MARK
                    marks.add(stack.size());
                    push(MARK);
                    break;
                case '0': // POP
                    pop(at);
                    break;
                case '1': // POP_MARK
                    popMark(at);
                    break;
                case '2': // DUP
                    push(peek(at));
                    break;
                case 'N':
                    push(null);
                    break;
                case 0x88:
                    push(Boolean.TRUE);
                    break;
                case 0x89:
                    push(Boolean.FALSE);
                    break;
                case 'J': // BININT
                    push((long) le(4));
                    break;
                case 'K': // BININT1
                    push((long) u8());
                    break;
                case 'M': // BININT2
                    push((long) (u8() | (u8() << 8)));
                    break;
                case 0x8a: // LONG1
                    push(longOf(bytes(u8())));
                    break;
                case 0x8b: { // LONG4
                    long n = le(4);
                    if (n < 0 || n > 64) {
                        throw malformed(at, "LONG4 of " + n + " bytes is not a plausible state dict value");
                    }
                    push(longOf(bytes((int) n)));
                    break;
                }
                case 'G': { // BINFLOAT, big-endian
                    push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
                    break;
                }
                case 'X': // BINUNICODE
                    push(utf8(at, length(at, le(4) & 0xFFFFFFFFL)));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    push(utf8(at, u8()));
                    break;
                case 0x8d: // BINUNICODE8
                    push(utf8(at, length(at, le8())));
                    break;
                case '}': // EMPTY_DICT
                    push(new LinkedHashMap<Object, Object>());
                    break;
                case ']': // EMPTY_LIST
                    push(new ArrayList<Object>());
                    break;
                case ')': // EMPTY_TUPLE
                    push(new Tuple(List.of()));
                    break;
                case 'd': { // DICT
                    List<Object> items = popMark(at);
                    if (items.size() % 2 != 0) {
                        throw malformed(at, "DICT with an odd number of items");
                    }
                    Map<Object, Object> m = new LinkedHashMap<>();
                    for (int i = 0; i < items.size(); i += 2) {
                        m.put(key(at, items.get(i)), items.get(i + 1));
                    }
                    push(m);
                    break;
                }
                case 'l': // LIST
                    push(new ArrayList<>(popMark(at)));
                    break;
                case 't': // TUPLE
                    push(new Tuple(popMark(at)));
                    break;
                case 0x85:
                    push(new Tuple(popN(at, 1)));
                    break;
                case 0x86:
                    push(new Tuple(popN(at, 2)));
                    break;
                case 0x87:
                    push(new Tuple(popN(at, 3)));
                    break;
                case 's': { // SETITEM
                    Object v = pop(at);
                    Object k = pop(at);
                    dictAt(at, peek(at)).put(key(at, k), v);
                    break;
                }
                case 'u': { // SETITEMS
                    List<Object> items = popMark(at);
                    if (items.size() % 2 != 0) {
                        throw malformed(at, "SETITEMS with an odd number of items");
                    }
                    Map<Object, Object> m = dictAt(at, peek(at));
                    for (int i = 0; i < items.size(); i += 2) {
                        m.put(key(at, items.get(i)), items.get(i + 1));
                    }
                    break;
                }
                case 'a': { // APPEND
                    Object v = pop(at);
                    listAt(at, peek(at)).add(v);
                    break;
                }
                case 'e': { // APPENDS
                    List<Object> items = popMark(at);
                    listAt(at, peek(at)).addAll(items);
                    break;
                }
                case 'c': { // GLOBAL
                    String module = line(at);
                    String name = line(at);
                    push(global(module, name));
                    break;
                }
                case 0x93: { // STACK_GLOBAL
                    Object name = pop(at);
                    Object module = pop(at);
                    if (!(module instanceof String) || !(name instanceof String)) {
                        throw malformed(at, "STACK_GLOBAL needs two strings");
                    }
                    push(global((String) module, (String) name));
                    break;
                }
                case 'R': { // REDUCE
                    Object args = pop(at);
                    Object callable = pop(at);
                    push(reduce(at, callable, args));
                    break;
                }
                case 'b': { // BUILD
                    Object state = pop(at);
                    Object target = peek(at);
                    if (!(target instanceof Map)) {
                        throw error("refusing to unpickle: BUILD (set object state) on type "
                                + typeName(target) + " at byte " + at + "; a state dict only sets OrderedDict metadata");
                    }
                    if (!(state instanceof Map || state instanceof Tuple || state == null)) {
                        throw malformed(at, "BUILD state is of type " + typeName(state));
                    }
                    // OrderedDict attributes such as _metadata (module versions): not needed, dropped.
                    break;
                }
                case 'Q': { // BINPERSID
                    push(persistentLoad(at, pop(at)));
                    break;
                }
                case 'q': // BINPUT
                    memo.put((long) u8(), peek(at));
                    break;
                case 'r': // LONG_BINPUT
                    memo.put(le(4) & 0xFFFFFFFFL, peek(at));
                    break;
                case 0x94: // MEMOIZE
                    memo.put((long) memo.size(), peek(at));
                    break;
                case 'h': // BINGET
                    push(memoGet(at, u8()));
                    break;
                case 'j': // LONG_BINGET
                    push(memoGet(at, le(4) & 0xFFFFFFFFL));
                    break;
                case 'i': case 'o': case 0x81: case 0x92:
                    throw error("refusing to unpickle: opcode " + opName(op) + " at byte " + at
                            + " instantiates an object; a state dict never needs it (this file may be malicious)");
                default:
                    throw malformed(at, "unsupported pickle opcode " + opName(op)
                            + " (not used by torch.save of a state dict)");
            }
        }
    }

    private static String opName(int op) {
        String hex = String.format("0x%02x", op);
        return op >= 0x21 && op < 0x7f ? "'" + (char) op + "' (" + hex + ")" : hex;
    }

    private Object global(String module, String name) {
        String q = module + "." + name;
        if (CALLABLES.contains(q) || STORAGE_TYPES.containsKey(q)) {
            return new Global(module, name);
        }
        if (module.equals("torch") && name.endsWith("Storage")) {
            throw error("unsupported tensor storage type '" + q + "' (supported: "
                    + String.join(", ", new TreeSet<>(STORAGE_TYPES.keySet())) + ")");
        }
        throw error("refusing to unpickle forbidden global '" + q + "': a state dict only references "
                + "collections.OrderedDict, torch._utils._rebuild_tensor_v2/_rebuild_parameter and torch.*Storage "
                + "classes (security: this file may try to run code, it was not executed)");
    }

    private Object reduce(int at, Object callable, Object args) {
        if (!(callable instanceof Global)) {
            throw error("refusing to unpickle: REDUCE at byte " + at + " calls type " + typeName(callable)
                    + ", not an allowed function");
        }
        String q = ((Global) callable).qualified();
        if (!(args instanceof Tuple)) {
            throw malformed(at, "REDUCE arguments are of type " + typeName(args) + ", not a tuple");
        }
        List<Object> a = ((Tuple) args).items();
        switch (q) {
            case ORDERED_DICT:
                if (!a.isEmpty()) {
                    throw malformed(at, "OrderedDict called with arguments");
                }
                return new LinkedHashMap<Object, Object>();
            case REBUILD_TENSOR_V2:
                if (a.size() < 4 || a.size() > 7) {
                    throw malformed(at, "_rebuild_tensor_v2 takes 4 to 7 arguments, got " + a.size());
                }
                if (!(a.get(0) instanceof StorageRef)) {
                    throw malformed(at, "_rebuild_tensor_v2's storage is of type " + typeName(a.get(0)));
                }
                return new TensorRef((StorageRef) a.get(0), asLong(at, a.get(1)), longs(at, a.get(2)),
                        longs(at, a.get(3)));
            case REBUILD_PARAMETER:
            case REBUILD_PARAMETER_WITH_STATE:
                if (a.isEmpty() || !(a.get(0) instanceof TensorRef)) {
                    throw malformed(at, q + " without a tensor");
                }
                return a.get(0);
            default:
                throw error("refusing to unpickle: REDUCE at byte " + at + " calls '" + q + "', which is not callable"
                        + " in a state dict");
        }
    }

    private Object persistentLoad(int at, Object pid) {
        if (!(pid instanceof Tuple) || ((Tuple) pid).items().size() != 5) {
            throw malformed(at, "persistent id is not ('storage', type, key, location, numel)");
        }
        List<Object> t = ((Tuple) pid).items();
        if (!"storage".equals(t.get(0))) {
            throw malformed(at, "unknown persistent id kind " + describe(t.get(0)));
        }
        if (!(t.get(1) instanceof Global) || !STORAGE_TYPES.containsKey(((Global) t.get(1)).qualified())) {
            throw malformed(at, "persistent id storage type is " + typeName(t.get(1)));
        }
        if (!(t.get(2) instanceof String) || !(t.get(3) instanceof String)) {
            throw malformed(at, "persistent id key and location must be strings");
        }
        long numel = asLong(at, t.get(4));
        if (numel < 0) {
            throw malformed(at, "negative storage size " + numel);
        }
        return new StorageRef(STORAGE_TYPES.get(((Global) t.get(1)).qualified()), (String) t.get(2), numel);
    }

    private static String describe(Object o) {
        return o instanceof String ? "'" + o + "'" : "a value of type " + typeName(o);
    }

    static String typeName(Object o) {
        if (o == null) {
            return "None";
        }
        if (o == MARK) {
            return "MARK";
        }
        if (o instanceof Global) {
            return "global " + ((Global) o).qualified();
        }
        if (o instanceof Map) {
            return "dict";
        }
        if (o instanceof List) {
            return "list";
        }
        if (o instanceof Tuple) {
            return "tuple";
        }
        if (o instanceof Long || o instanceof BigInteger) {
            return "int";
        }
        if (o instanceof Double) {
            return "float";
        }
        if (o instanceof String) {
            return "str";
        }
        if (o instanceof Boolean) {
            return "bool";
        }
        if (o instanceof StorageRef) {
            return "storage";
        }
        if (o instanceof TensorRef) {
            return "tensor";
        }
        return o.getClass().getSimpleName();
    }

    private long asLong(int at, Object o) {
        if (o instanceof Long) {
            return (Long) o;
        }
        if (o instanceof BigInteger) {
            throw malformed(at, "integer " + o + " is out of range");
        }
        throw malformed(at, "expected an int, found type " + typeName(o));
    }

    private long[] longs(int at, Object o) {
        if (!(o instanceof Tuple)) {
            throw malformed(at, "expected a tuple of ints, found type " + typeName(o));
        }
        List<Object> items = ((Tuple) o).items();
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = asLong(at, items.get(i));
        }
        return out;
    }

    private Object key(int at, Object k) {
        if (k == null || k instanceof String || k instanceof Long || k instanceof BigInteger || k instanceof Double
                || k instanceof Boolean) {
            return k;
        }
        throw malformed(at, "dict key is of type " + typeName(k) + " (a state dict has string keys)");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dictAt(int at, Object o) {
        if (!(o instanceof Map)) {
            throw malformed(at, "SETITEM(S) on type " + typeName(o));
        }
        return (Map<Object, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private List<Object> listAt(int at, Object o) {
        if (!(o instanceof List)) {
            throw malformed(at, "APPEND(S) on type " + typeName(o));
        }
        return (List<Object>) o;
    }

    private Object memoGet(int at, long index) {
        if (!memo.containsKey(index)) {
            throw malformed(at, "memo entry " + index + " was never stored");
        }
        return memo.get(index);
    }

    private Object checkNotMark(int at, Object o) {
        if (o == MARK) {
            throw malformed(at, "unexpected MARK");
        }
        return o;
    }

    private void push(Object o) {
        if (++pushes > MAX_VALUES) {
            throw error("pickle holds more than " + MAX_VALUES + " values, far more than any state dict;"
                    + " refusing to continue");
        }
        stack.add(o);
    }

    private Object pop(int at) {
        if (stack.isEmpty()) {
            throw malformed(at, "stack underflow");
        }
        Object o = stack.remove(stack.size() - 1);
        return checkNotMark(at, o);
    }

    private Object peek(int at) {
        if (stack.isEmpty()) {
            throw malformed(at, "stack underflow");
        }
        return checkNotMark(at, stack.get(stack.size() - 1));
    }

    private List<Object> popN(int at, int n) {
        if (stack.size() < n) {
            throw malformed(at, "stack underflow");
        }
        List<Object> sub = stack.subList(stack.size() - n, stack.size());
        for (Object o : sub) {
            checkNotMark(at, o);
        }
        List<Object> out = new ArrayList<>(sub);
        sub.clear();
        return out;
    }

    private List<Object> popMark(int at) {
        if (marks.isEmpty()) {
            throw malformed(at, "no MARK on the stack");
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> sub = stack.subList(m + 1, stack.size());
        List<Object> out = new ArrayList<>(sub);
        sub.clear();
        stack.remove(m);
        return out;
    }

    private void need(long n) {
        if (n > data.length - pos) {
            throw malformed(pos, "truncated (needs " + n + " more bytes, " + (data.length - pos) + " left)");
        }
    }

    private int u8() {
        need(1);
        return data[pos++] & 0xFF;
    }

    private int le(int n) {
        need(n);
        int v = 0;
        for (int i = 0; i < n; i++) {
            v |= (data[pos + i] & 0xFF) << (8 * i);
        }
        pos += n;
        return v;
    }

    private long le8() {
        need(8);
        long v = ByteBuffer.wrap(data, pos, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        pos += 8;
        return v;
    }

    private int length(int at, long n) {
        if (n < 0 || n > data.length - pos) {
            throw malformed(at, "string of " + Long.toUnsignedString(n) + " bytes runs past the end of the pickle");
        }
        return (int) n;
    }

    private byte[] bytes(int n) {
        need(n);
        byte[] b = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return b;
    }

    private static Object longOf(byte[] le) {
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String utf8(int at, int n) {
        need(n);
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data, pos, n)).toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw malformed(at, "string is not valid UTF-8");
        }
    }

    private String line(int at) {
        int start = pos;
        int limit = Math.min(data.length, pos + MAX_LINE);
        for (int i = pos; i < limit; i++) {
            if (data[i] == '\n') {
                pos = i + 1;
                return new String(data, start, i - start, StandardCharsets.UTF_8);
            }
        }
        throw malformed(at, "GLOBAL name is not a newline-terminated line of at most " + MAX_LINE + " bytes");
    }
}
