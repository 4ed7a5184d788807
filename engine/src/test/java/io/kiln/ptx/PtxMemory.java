package io.kiln.ptx;

import io.kiln.ptx.PtxCode.Ty;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The memory of {@link PtxInterpreter}: byte-addressed regions (global, shared, local, const), an
 * address being {@code region << 32 | offset}, each access checked against its region's space and
 * size. Separate from the interpreter because the launchers of the tests fill and read it directly.
 */
public final class PtxMemory {
    record Region(String space, ByteBuffer data) {}

    final List<Region> regions = new ArrayList<>();

    public long allocate(String space, int bytes) {
        regions.add(new Region(space, ByteBuffer.allocate(Math.max(bytes, 1)).order(ByteOrder.LITTLE_ENDIAN)));
        return (long) regions.size() << 32;
    }

    public void free(long address) {
        regions.set((int) (address >>> 32) - 1, null);
    }

    ByteBuffer at(long address, String space, int bytes) {
        int index = (int) (address >>> 32) - 1;
        if (index < 0 || index >= regions.size() || regions.get(index) == null) {
            throw new IllegalStateException("access to unmapped address 0x" + Long.toHexString(address));
        }
        Region r = regions.get(index);
        if (!r.space().equals(space)) {
            throw new IllegalStateException(space + " access to a " + r.space() + " address");
        }
        int off = (int) address;
        if (off < 0 || off + bytes > r.data().capacity()) {
            throw new IllegalStateException(space + " access out of bounds: offset " + off + " size " + bytes
                    + " in a region of " + r.data().capacity() + " bytes");
        }
        return r.data();
    }

    long load(long address, String space, Ty t) {
        ByteBuffer b = at(address, space, t.bytes);
        int off = (int) address;
        return switch (t) {
            case S8 -> b.get(off);
            case B8, U8 -> b.get(off) & 0xFF;
            case S16 -> b.getShort(off);
            case B16, U16 -> b.getShort(off) & 0xFFFF;
            case S32 -> b.getInt(off);
            case B32, U32, F32 -> b.getInt(off) & 0xFFFFFFFFL;
            default -> b.getLong(off);
        };
    }

    void store(long address, String space, Ty t, long v) {
        ByteBuffer b = at(address, space, t.bytes);
        int off = (int) address;
        switch (t.bytes) {
            case 1 -> b.put(off, (byte) v);
            case 2 -> b.putShort(off, (short) v);
            case 4 -> b.putInt(off, (int) v);
            default -> b.putLong(off, v);
        }
    }

    public ByteBuffer bytes(long address) {
        return regions.get((int) (address >>> 32) - 1).data();
    }
}
