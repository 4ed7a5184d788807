package io.kiln.ir;

/**
 * The Java type of a {@code printf} argument in a kernel ({@link PrintArg}). Narrow kinds travel as
 * {@link Type#I32} and are narrowed again on the host, because {@code String.format} prints a
 * {@code Byte} -1 with {@code %x} as {@code ff} and an {@code Integer} -1 as {@code ffffffff}.
 */
public enum PrintKind {
    BOOLEAN(Type.I32), BYTE(Type.I32), SHORT(Type.I32), CHAR(Type.I32), INT(Type.I32),
    LONG(Type.I64), FLOAT(Type.F32), DOUBLE(Type.F64),
    /** A string constant: no value on the device, the text is in the instruction. */
    STRING(null);

    private final Type valueType;

    PrintKind(Type valueType) {
        this.valueType = valueType;
    }

    /** The register type of the value, {@code null} for {@link #STRING}. */
    public Type valueType() {
        return valueType;
    }

    /**
     * The boxed Java value that {@code printf} received, from the raw bits the device recorded
     * (the low 32 bits for {@link Type#I32} and {@link Type#F32} values).
     */
    public Object box(long bits) {
        return switch (this) {
            case BOOLEAN -> (int) bits != 0;
            case BYTE -> (byte) bits;
            case SHORT -> (short) bits;
            case CHAR -> (char) bits;
            case INT -> (int) bits;
            case LONG -> bits;
            case FLOAT -> Float.intBitsToFloat((int) bits);
            case DOUBLE -> Double.longBitsToDouble(bits);
            case STRING -> throw new IllegalStateException("a string constant has no device value");
        };
    }

    /** The kind of the boxing method {@code owner.valueOf} ({@code java/lang/Integer}), or {@code null}. */
    public static PrintKind ofBox(String owner) {
        return switch (owner) {
            case "java/lang/Boolean" -> BOOLEAN;
            case "java/lang/Byte" -> BYTE;
            case "java/lang/Short" -> SHORT;
            case "java/lang/Character" -> CHAR;
            case "java/lang/Integer" -> INT;
            case "java/lang/Long" -> LONG;
            case "java/lang/Float" -> FLOAT;
            case "java/lang/Double" -> DOUBLE;
            default -> null;
        };
    }
}
