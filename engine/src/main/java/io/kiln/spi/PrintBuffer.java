package io.kiln.spi;

import io.kiln.ir.Block;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.PrintArg;
import io.kiln.ir.PrintKind;
import io.kiln.ir.Value;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The print buffer of {@code printf} in kernels ({@link Instr.Print}), shared by every back end so
 * that they cannot disagree: its layout, the append rule each back end implements, and the host's
 * decoding of it into the text Java's {@code printf} would have printed.
 * <p><b>Layout</b> (32-bit words): {@link #CURSOR} counts the data words claimed so far (it may pass
 * the capacity), {@link #DROPPED} the records that did not fit, {@link #CAPACITY} is the number of data
 * words, written by the host before each launch; records follow from word {@link #HEADER_INTS}.
 * <p><b>Append</b> (one {@link Instr.Print} of {@code n} words): read the cursor; if
 * {@code cursor <= capacity - n}, claim {@code o = atomicAdd(cursor, n)}; if {@code o <= capacity - n}
 * too, write the record at {@code HEADER_INTS + o}; otherwise add one to {@link #DROPPED}. The first
 * test keeps the cursor from growing far past the capacity (and from wrapping) when a kernel prints
 * without end. The cursor only grows, so once a record of a work-item is dropped all its later ones are:
 * what is printed of each work-item is a prefix of what it printed.
 * <p>A kernel with an {@link Instr.Print} takes a pointer to the buffer as its last argument, after the
 * bounds-check error record when it has one.
 */
public final class PrintBuffer {
    private PrintBuffer() {
    }

    /** Words before the first record. */
    public static final int HEADER_INTS = 4;
    /** Data words claimed so far. */
    public static final int CURSOR = 0;
    /** Records dropped because they did not fit. */
    public static final int DROPPED = 1;
    /** Data words available, set by the host. */
    public static final int CAPACITY = 2;
    /** The smallest buffer: the header and 4 data words. */
    public static final int MIN_BYTES = (HEADER_INTS + 4) * 4;
    /** The largest buffer, 1 GiB: the cursor stays far from overflowing an {@code int}. */
    public static final int MAX_BYTES = 1 << 30;

    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    /** Whether {@code ir} prints, hence takes the print-buffer argument. */
    public static boolean prints(KernelIR ir) {
        for (Block b : ir.blocks()) {
            for (Instr i : b.instrs()) {
                if (i instanceof Instr.Print) return true;
            }
        }
        return false;
    }

    /** The data words of a buffer of {@code bytes}. */
    public static int capacity(int bytes) {
        return bytes / 4 - HEADER_INTS;
    }

    /** A fresh buffer for the host (the {@code cpu} device) of {@code bytes}, its header set. */
    public static int[] allocate(int bytes) {
        int[] b = new int[bytes / 4];
        b[CAPACITY] = capacity(bytes);
        return b;
    }

    /** The header a device buffer of {@code bytes} is reset to before a launch. */
    public static int[] header(int bytes) {
        int[] h = new int[HEADER_INTS];
        h[CAPACITY] = capacity(bytes);
        return h;
    }

    /**
     * The append rule on the host ({@code cpu}): claims {@code words} words of {@code buffer} and returns
     * the index of the record's first word, or -1 when it does not fit (then it is counted as dropped).
     */
    public static int reserve(int[] buffer, int words) {
        int cap = buffer[CAPACITY];
        if ((int) INTS.getVolatile(buffer, CURSOR) <= cap - words) {
            int o = (int) INTS.getAndAdd(buffer, CURSOR, words);
            if (o <= cap - words) return HEADER_INTS + o;
        }
        INTS.getAndAdd(buffer, DROPPED, 1);
        return -1;
    }

    /**
     * Decodes {@code buffer} (the whole buffer as the launch left it) and hands the text of every record
     * to {@code printing}'s sink, in Java's order: by work-item (its key values), then in program order;
     * then, when records were dropped, one line saying how many and how to keep them.
     */
    public static void deliver(KernelIR ir, int[] buffer, Printing printing) {
        for (String s : decode(ir, buffer, printing.bufferBytes())) printing.sink().accept(s);
    }

    /** The texts {@link #deliver} hands to the sink, in order. */
    public static List<String> decode(KernelIR ir, int[] buffer, int bufferBytes) {
        Map<Integer, Instr.Print> sites = new HashMap<>();
        for (Block b : ir.blocks()) {
            for (Instr i : b.instrs()) {
                if (i instanceof Instr.Print p) sites.put(p.site(), p);
            }
        }
        record Rec(long[] key, int position, Instr.Print print, long[] bits) {
        }
        List<Rec> recs = new ArrayList<>();
        int end = HEADER_INTS + Math.max(0, Math.min(buffer[CURSOR], buffer[CAPACITY]));
        end = Math.min(end, buffer.length);
        int at = HEADER_INTS;
        String corrupt = null;
        while (at < end) {
            Instr.Print p = sites.get(buffer[at]);
            if (p == null || at + p.words() > end) {
                corrupt = "[kiln] the print buffer of " + ir.displayName() + " holds an unknown record (site " + buffer[at]
                        + " at word " + at + "); the rest is not printed\n";
                break;
            }
            int w = at + 1;
            long[] bits = new long[p.values().size()];
            for (int k = 0; k < bits.length; k++) {
                Value v = p.values().get(k);
                if (v.type().isWide()) {
                    bits[k] = (long) buffer[w + 1] << 32 | (buffer[w] & 0xFFFFFFFFL);
                    w += 2;
                } else {
                    bits[k] = buffer[w++];
                }
            }
            recs.add(new Rec(Arrays.copyOf(bits, p.keys()), at, p, bits));
            at += p.words();
        }
        recs.sort((x, y) -> {
            int c = Arrays.compare(x.key(), y.key());
            return c != 0 ? c : Integer.compare(x.position(), y.position());
        });
        List<String> out = new ArrayList<>(recs.size() + 2);
        for (Rec r : recs) out.add(format(r.print(), r.bits()));
        if (corrupt != null) out.add(corrupt);
        int dropped = buffer[DROPPED];
        if (dropped != 0) {
            out.add("[kiln] " + Integer.toUnsignedString(dropped) + " printf record" + (dropped == 1 ? " was" : "s were")
                    + " dropped from " + ir.displayName() + ": its print buffer of " + bufferBytes
                    + " bytes is full; enlarge it with plan.withPrintBuffer(bytes)\n");
        }
        return out;
    }

    /** The text Java's {@code printf} makes of one record's values (key values first, skipped). */
    static String format(Instr.Print p, long[] bits) {
        Object[] args = new Object[p.args().size()];
        int k = p.keys();
        for (int a = 0; a < args.length; a++) {
            PrintArg arg = p.args().get(a);
            args[a] = arg.kind() == PrintKind.STRING ? arg.text() : arg.kind().box(bits[k++]);
        }
        // PrintStream.printf formats with the default FORMAT locale, as String.format does
        return String.format(Locale.getDefault(Locale.Category.FORMAT), p.format(), args);
    }
}
