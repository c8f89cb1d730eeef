namespace FlowForensics.Analysis.Hunting;

/// <summary>
/// Puts a hunt's own score on the common scale, where <see cref="HuntOptions.DefaultMinimumScore"/> (0.5) is the point
/// from which a finding is worth a look: a piecewise-linear map that keeps 0, 1 and the order, and sends the hunt's
/// former reporting threshold to 0.5 (beacons were reported from 0.6, exfiltration from 0.3, anomalies from 30 of 100).
/// </summary>
public static class HuntScore
{
    /// <summary><paramref name="raw"/> (0..1) on the common scale, where <paramref name="formerThreshold"/> becomes 0.5; rounded to 3 decimals.</summary>
    public static double Calibrate(double raw, double formerThreshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(formerThreshold, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(formerThreshold, 1);
        double x = Math.Clamp(double.IsNaN(raw) ? 0 : raw, 0, 1);
        double y = x <= formerThreshold
            ? x * HuntOptions.DefaultMinimumScore / formerThreshold
            : HuntOptions.DefaultMinimumScore + (x - formerThreshold) * (1 - HuntOptions.DefaultMinimumScore) / (1 - formerThreshold);
        return Math.Round(y, 3);
    }
}
