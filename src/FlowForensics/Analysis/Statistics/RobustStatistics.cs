namespace FlowForensics.Analysis.Statistics;

/// <summary>
/// Order statistics that outliers do not drag: median, quartiles, median absolute deviation (MAD) and Bowley's
/// quartile skew. The hunts use them on interval and size series, where one missed beat or one large transfer
/// must not change the verdict the way it changes a mean and a standard deviation.
/// Quartiles follow the "median of each half" rule (the median element left out of both halves when the count is
/// odd), as RITA's statistics library does, so RITA's worked examples are test vectors here too.
/// </summary>
public static class RobustStatistics
{
    /// <summary>The median of <paramref name="sorted"/> (ascending); NaN when empty.</summary>
    public static double MedianOfSorted(ReadOnlySpan<double> sorted)
    {
        int n = sorted.Length;
        if (n == 0) return double.NaN;
        return (n & 1) == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>Sorts <paramref name="values"/> in place and returns the median; NaN when empty.</summary>
    public static double Median(Span<double> values)
    {
        values.Sort();
        return MedianOfSorted(values);
    }

    /// <summary>Q1, Q2 (the median) and Q3 of <paramref name="sorted"/> (ascending); NaN when fewer than two values.</summary>
    public static (double Q1, double Q2, double Q3) QuartilesOfSorted(ReadOnlySpan<double> sorted)
    {
        int n = sorted.Length;
        if (n < 2) return (double.NaN, MedianOfSorted(sorted), double.NaN);
        int half = n / 2;
        double q1 = MedianOfSorted(sorted[..half]);
        double q3 = MedianOfSorted(sorted[((n & 1) == 1 ? half + 1 : half)..]);
        return (q1, MedianOfSorted(sorted), q3);
    }

    /// <summary>
    /// median(|xᵢ − <paramref name="median"/>|). <paramref name="scratch"/> (at least as long as the values) receives the
    /// deviations and is sorted; the values are left untouched.
    /// </summary>
    public static double MedianAbsoluteDeviation(ReadOnlySpan<double> values, double median, Span<double> scratch)
    {
        if (values.Length == 0) return double.NaN;
        if (scratch.Length < values.Length) throw new ArgumentException("The scratch span is shorter than the values.", nameof(scratch));
        var deviations = scratch[..values.Length];
        for (int i = 0; i < values.Length; i++) deviations[i] = Math.Abs(values[i] - median);
        return Median(deviations);
    }

    /// <summary>
    /// Bowley's quartile skew (Q1 + Q3 − 2·Q2)/(Q3 − Q1), in [−1, 1]; 0 when the quartiles coincide (no spread to skew).
    /// </summary>
    public static double BowleySkew(double q1, double q2, double q3)
    {
        double spread = q3 - q1;
        if (!(spread > 0) || double.IsNaN(q2)) return 0;
        return Math.Clamp((q1 + q3 - 2 * q2) / spread, -1, 1);
    }

    /// <summary>Coefficient of variation (population σ / μ) of <paramref name="values"/>; 0 when the mean is 0.</summary>
    public static double CoefficientOfVariation(ReadOnlySpan<double> values)
    {
        if (values.Length == 0) return 0;
        double sum = 0;
        foreach (double v in values) sum += v;
        double mean = sum / values.Length;
        if (mean == 0) return 0;
        double squares = 0;
        foreach (double v in values) squares += (v - mean) * (v - mean);
        return Math.Sqrt(squares / values.Length) / mean;
    }
}
