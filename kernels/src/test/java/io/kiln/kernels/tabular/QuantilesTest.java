package io.kiln.kernels.tabular;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Quantiles} bit for bit against NumPy 2.4.6. The golden values were printed (with
 * {@code repr}, which round-trips) by
 * <pre>
 * rng = np.random.default_rng(2024)
 * random17 = np.round(rng.normal(10, 3, 17), 3)
 * random100 = rng.standard_normal(100).astype(np.float32).astype(np.float64)
 * np.quantile(x, [0, 0.1, 0.25, 1/3, 0.5, 0.75, 0.9, 0.999, 1])
 * </pre>
 */
class QuantilesTest {
    static final double[] Q = {0, 0.1, 0.25, 1.0 / 3, 0.5, 0.75, 0.9, 0.999, 1};

    private static void check(double[] data, double... expected) {
        double[] got = Quantiles.of(data, Q);
        for (int i = 0; i < Q.length; i++) {
            assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(got[i]),
                    "q=" + Q[i] + " of " + data.length + " values: " + got[i] + ", NumPy " + expected[i]);
        }
    }

    @Test
    void smallArraysMatchNumPy() {
        check(new double[] {3.5}, 3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 3.5);
        check(new double[] {-1.0, 2.0}, -1.0, -0.7, -0.25, 0.0, 0.5, 1.25, 1.7000000000000002, 1.9969999999999999, 2.0);
        check(new double[] {5.0, 1.0, 4.0, 2.0, 3.0}, 1.0, 1.4, 2.0, 2.333333333333333, 3.0, 4.0, 4.6, 4.996, 5.0);
        check(new double[] {1.0, 1.0, 2.0, 2.0, 2.0, 7.0, 7.0}, 1.0, 1.0, 1.5, 2.0, 2.0, 4.5, 7.0, 7.0, 7.0);
    }

    @Test
    void randomArraysMatchNumPy() {
        check(new double[] {13.087, 14.926, 13.44, 7.08, 5.822, 10.202, 12.584, 11.528, 15.431, 12.253, 11.919, 7.806, 6.677,
                        14.453, 10.147, 12.435, 5.871},
                5.822, 6.3546, 7.806, 10.165333333333333, 11.919, 13.087, 14.642199999999999, 15.42292, 15.431);
        float[] r100 = {-0.43637073040008545f, -1.2910916805267334f, -0.7756786942481995f, 0.9030630588531494f,
                -1.480581283569336f, -0.5340928435325623f, 0.1637885719537735f, -0.6684703230857849f, -0.2522897720336914f,
                -0.22186154127120972f, 0.4181385636329651f, -0.4312545359134674f, 0.2722606658935547f, 0.05681919679045677f,
                0.4245692491531372f, 0.2249433845281601f, 1.657684087753296f, -0.6636760830879211f, 1.199187159538269f,
                -0.4026124179363251f, -0.9579261541366577f, 1.2111945152282715f, -0.4395059049129486f, -0.38763585686683655f,
                -1.3886836767196655f, -2.0981967449188232f, 0.634300947189331f, -1.1652663946151733f, 0.7782729864120483f,
                1.8481673002243042f, -0.11479794234037399f, -1.126615047454834f, 0.3941991627216339f, 0.7617284655570984f,
                -0.26179036498069763f, 0.017464490607380867f, 1.3352707624435425f, 1.2654520273208618f, 0.7099782228469849f,
                -0.8664008975028992f, -0.0536755695939064f, 0.6029173135757446f, -0.2118658721446991f, -0.6100179553031921f,
                -0.7653887271881104f, -0.6320087909698486f, -0.6716048121452332f, -0.451111376285553f, 1.1456772089004517f,
                -0.8006419539451599f, 0.8869020938873291f, 0.4175846576690674f, 0.1397496908903122f, -0.827401876449585f,
                -0.45669421553611755f, 1.973555326461792f, 0.09906791150569916f, 0.5382077693939209f, 0.6630316376686096f,
                1.055641531944275f, -0.2375163584947586f, -0.6101975440979004f, -0.059613972902297974f, -0.26081937551498413f,
                0.7906767129898071f, 0.18961040675640106f, 0.23927044868469238f, 0.14500944316387177f, 1.2283676862716675f,
                -0.5426271557807922f, -0.47835612297058105f, 0.8851308226585388f, -0.10641010850667953f, 0.3608780801296234f,
                -0.7289883494377136f, 0.023331107571721077f, 0.43183383345603943f, -1.3274365663528442f, -0.694934070110321f,
                0.4230625629425049f, 2.2488081455230713f, 0.46228599548339844f, -0.05891958251595497f, -0.8452112078666687f,
                0.39162594079971313f, -2.501406669616699f, -0.0495293028652668f, -0.33014464378356934f, -0.5194129347801208f,
                2.3203532695770264f, -2.473538637161255f, -0.022274820134043694f, 0.06897907704114914f, 0.46732982993125916f,
                -1.6017006635665894f, -0.46662262082099915f, -1.495448350906372f, -0.12761874496936798f, 0.1959194391965866f,
                0.16448712348937988f};
        double[] expected = {-2.501406669616699, -1.1304801821708679, -0.6100628525018692, -0.4395059049129486,
                -0.05629757605493069, 0.4394468739628792, 1.1510282039642339, 2.3132703022956846, 2.3203532695770264};
        double[] got = Quantiles.of(r100, Q);
        for (int i = 0; i < Q.length; i++) assertEquals(expected[i], got[i], 0.0, "float32 data, q=" + Q[i]);
    }

    @Test
    void nanIsMissingAsInNanQuantile() {
        // np.nanquantile([nan, 4, 1, nan, 2], [0.25, 0.5, 0.75]) == [1.5, 2, 3]
        assertArrayEquals(new double[] {1.5, 2, 3}, Quantiles.of(new double[] {Double.NaN, 4, 1, Double.NaN, 2}, 0.25, 0.5, 0.75));
        assertArrayEquals(new double[] {1.5, 2, 3}, Quantiles.of(new float[] {Float.NaN, 4, 1, Float.NaN, 2}, 0.25, 0.5, 0.75));
        assertTrue(Double.isNaN(Quantiles.of(new double[] {Double.NaN}, 0.5)[0]), "no values: NaN");
        assertTrue(Double.isNaN(Quantiles.of(new float[0], 0.5)[0]), "no values: NaN");
    }

    @Test
    void infinitiesGiveTheValueWhereTheQuantileFallsOnOne() {
        double inf = Double.POSITIVE_INFINITY;
        // NumPy gives [nan, inf, nan, nan, nan] for [1, inf]; the two ends are values here.
        double[] got = Quantiles.of(new double[] {1, inf}, 0, 0.5, 1);
        assertEquals(1.0, got[0]);
        assertTrue(Double.isNaN(got[1]), "between 1 and +Inf the interpolation is NaN, as in NumPy");
        assertEquals(inf, got[2]);
        assertArrayEquals(new double[] {-inf, -inf, 5}, Quantiles.of(new double[] {-inf, -inf, -inf, 5, 5}, 0, 0.5, 1));
    }

    @Test
    void aProbabilityOutsideZeroToOneSaysHowToWriteIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantiles.of(new double[] {1}, 90));
        assertTrue(e.getMessage().contains("[0, 1], got 90.0") && e.getMessage().contains("0.9"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Quantiles.of(new double[] {1}, Double.NaN));
    }
}
