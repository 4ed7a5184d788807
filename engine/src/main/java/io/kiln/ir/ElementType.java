package io.kiln.ir;

/** The element type of an array that a kernel reads or writes, with the register type it loads into. */
public enum ElementType {
    BYTE(Type.I32, 1, "byte"),
    SHORT(Type.I32, 2, "short"),
    CHAR(Type.I32, 2, "char"),
    INT(Type.I32, 4, "int"),
    LONG(Type.I64, 8, "long"),
    FLOAT(Type.F32, 4, "float"),
    DOUBLE(Type.F64, 8, "double");

    private final Type valueType;
    private final int bytes;
    private final String javaName;

    ElementType(Type valueType, int bytes, String javaName) {
        this.valueType = valueType;
        this.bytes = bytes;
        this.javaName = javaName;
    }

    /** The register type a load produces and a store consumes. */
    public Type valueType() {
        return valueType;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** The Java spelling ({@code float}, {@code byte}, ...). */
    public String javaName() {
        return javaName;
    }

    /** The element type of a Java array class, or {@code null} when it is not a supported primitive array. */
    public static ElementType ofArrayClass(Class<?> arrayClass) {
        if (arrayClass == float[].class) return FLOAT;
        if (arrayClass == double[].class) return DOUBLE;
        if (arrayClass == int[].class) return INT;
        if (arrayClass == long[].class) return LONG;
        if (arrayClass == short[].class) return SHORT;
        if (arrayClass == byte[].class) return BYTE;
        if (arrayClass == char[].class) return CHAR;
        return null;
    }

    /** The JVM descriptor character of this type ({@code F}, {@code B}, ...): the inverse of {@link #ofDescriptor}. */
    public char descriptor() {
        return switch (this) {
            case BYTE -> 'B';
            case SHORT -> 'S';
            case CHAR -> 'C';
            case INT -> 'I';
            case LONG -> 'J';
            case FLOAT -> 'F';
            case DOUBLE -> 'D';
        };
    }

    /** The element type for a JVM array descriptor component ({@code F}, {@code B}, ...), or {@code null}. */
    public static ElementType ofDescriptor(char c) {
        return switch (c) {
            case 'B' -> BYTE;
            case 'S' -> SHORT;
            case 'C' -> CHAR;
            case 'I' -> INT;
            case 'J' -> LONG;
            case 'F' -> FLOAT;
            case 'D' -> DOUBLE;
            default -> null;
        };
    }
}
