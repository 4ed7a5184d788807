/**
 * Kiln's shared test fixtures: {@link io.kiln.testing.Seeds}, {@link io.kiln.testing.Edges} and
 * {@link io.kiln.testing.RandomArrays}. It depends on nothing, not even the engine, so that every
 * module's tests (the engine's included) can use it in test scope.
 */
module io.kiln.testing {
    exports io.kiln.testing;
}
