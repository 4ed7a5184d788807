package io.kiln.ir;

/**
 * A statically known array. Every array a kernel touches resolves at compile time to one of these:
 * a parameter, a private array of constant length, a local-memory array, or a constant table.
 * Array references are never data in the IR, which keeps every back end free of pointer analysis.
 *
 * @param id         index into {@link KernelIR#arrays()}
 * @param element    element type
 * @param space      address space
 * @param length     the constant length, or -1 for parameters (their length is passed at launch)
 * @param paramIndex the kernel parameter index for {@link AddressSpace#GLOBAL} arrays, else -1
 * @param name       a readable name
 * @param storage    for parameters, whether the argument is a Java array or an off-heap array
 *                   ({@link Storage#HEAP} for every other array)
 */
public record ArrayRef(int id, ElementType element, AddressSpace space, int length, int paramIndex, String name,
                       Storage storage) {
    public ArrayRef {
        java.util.Objects.requireNonNull(storage, "storage");
        if (storage == Storage.OFF_HEAP && paramIndex < 0) {
            throw new IllegalArgumentException("only parameter arrays can be off-heap: " + name);
        }
    }

    /** A heap array (a Java array parameter, or any non-parameter array). */
    public ArrayRef(int id, ElementType element, AddressSpace space, int length, int paramIndex, String name) {
        this(id, element, space, length, paramIndex, name, Storage.HEAP);
    }

    // written out, as a record's would be: the generated equals links through ObjectMethods.bootstrap
    // on first use (1-4 ms interpreted on a first build; docs/cpu-backend.md, "Early runs")
    @Override
    public boolean equals(Object o) {
        return o instanceof ArrayRef a && id == a.id && element == a.element && space == a.space && length == a.length
                && paramIndex == a.paramIndex && java.util.Objects.equals(name, a.name) && storage == a.storage;
    }

    @Override
    public int hashCode() {
        int h = id;
        h = 31 * h + java.util.Objects.hashCode(element);
        h = 31 * h + java.util.Objects.hashCode(space);
        h = 31 * h + length;
        h = 31 * h + paramIndex;
        h = 31 * h + java.util.Objects.hashCode(name);
        return 31 * h + storage.hashCode();
    }

    /** Whether this is an off-heap parameter ({@code FloatArray} and friends). */
    public boolean isOffHeap() {
        return storage == Storage.OFF_HEAP;
    }

    /** The type of this array's length and widest index: {@link Type#I64} off-heap, else {@link Type#I32}. */
    public Type lengthType() {
        return storage == Storage.OFF_HEAP ? Type.I64 : Type.I32;
    }

    /** Whether this array is a kernel parameter. */
    public boolean isParameter() {
        return paramIndex >= 0;
    }

    @Override
    public String toString() {
        return "@" + name;
    }
}
