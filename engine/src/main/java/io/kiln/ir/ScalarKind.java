package io.kiln.ir;

/** The declared Java type of a scalar kernel parameter. Narrow kinds are passed widened to {@link Type#I32}. */
public enum ScalarKind {
    BOOLEAN(Type.I32), BYTE(Type.I32), SHORT(Type.I32), CHAR(Type.I32), INT(Type.I32),
    LONG(Type.I64), FLOAT(Type.F32), DOUBLE(Type.F64);

    private final Type valueType;

    ScalarKind(Type valueType) {
        this.valueType = valueType;
    }

    /** The register type the parameter arrives in. */
    public Type valueType() {
        return valueType;
    }

    /** The kind for a JVM descriptor character, or {@code null}. */
    public static ScalarKind ofDescriptor(char c) {
        return switch (c) {
            case 'Z' -> BOOLEAN;
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
