using FlowForensics.Analysis.Hunting;
using FlowForensics.Analysis.Statistics;
using FlowForensics.Flows;

namespace FlowForensics.Tests.Analysis;

/// <summary>
/// RITA v5.1.1's beacon score, restated from its published formulas (shared notes, detection-methods.md §3a) as a
/// reference to compare false positives with: IP beacons per (source, destination) host pair, internal to external
/// only, timestamps in whole seconds, originator bytes, 24 histogram bins over the dataset span, four weights of 0.25.
/// Test code only: it measures the baseline our detector must beat, it is not shipped.
/// </summary>
internal static class RitaReference
{
    public sealed record Pair(string Src, string Dst, int Connections, double Score);

    public static List<Pair> Score(IEnumerable<FlowRecord> flows, AddressSet inside)
    {
        var groups = new Dictionary<(FlowAddress, FlowAddress), List<(long Ts, long Bytes)>>();
        long min = long.MaxValue, max = long.MinValue;
        var pairer = new ConnectionPairer(c =>
        {
            long ts = c.Start.Ticks / TimeSpan.TicksPerSecond;
            min = Math.Min(min, ts);
            max = Math.Max(max, ts);
            if (!inside.Contains(c.Src) || inside.Contains(c.Dst)) return;
            if (!groups.TryGetValue((c.Src, c.Dst), out var list)) groups[(c.Src, c.Dst)] = list = [];
            list.Add((ts, c.BytesOut));
        }, TimeSpan.FromSeconds(120), 1 << 20);
        foreach (var f in flows) pairer.Add(f);
        pairer.Flush();
        var result = new List<Pair>();
        foreach (var ((src, dst), list) in groups)
        {
            var ts = list.Select(static x => (double)x.Ts).Order().ToArray();
            if (ts.Distinct().Count() < 4) continue;
            var intervals = new List<double>();
            for (int i = 1; i < ts.Length; i++) if (ts[i] - ts[i - 1] > 0) intervals.Add(ts[i] - ts[i - 1]);
            double tsScore = intervals.Count >= 3 ? Dispersion(intervals.Order().ToArray(), 1) : 0;
            var bytes = list.Select(static x => (double)x.Bytes).Order().ToArray();
            double dsScore = bytes.Length >= 3 ? Dispersion(bytes, 0) : 0;
            var bins = new double[24];
            double span = Math.Max(1, max - min);
            foreach (double t in ts) bins[Math.Min(23, (int)((t - min) / span * 24))]++;
            double cv = RobustStatistics.CoefficientOfVariation(bins);
            double cvScore = cv > 1 ? 0 : 1 - cv;
            int bars = bins.Count(static b => b > 0);
            double bimodal = 0;
            if (bars >= 11)
            {
                double size = Math.Ceiling(bins.Max() * 0.05);
                var freq = bins.Where(static b => b > 0).GroupBy(b => Math.Floor(b / size) * size).Select(static g => g.Count()).OrderDescending().ToArray();
                bimodal = Math.Min(1, (freq[0] + (freq.Length > 1 ? freq[1] : 0)) / (double)Math.Max(bars - 1, 1));
            }
            double hist = Math.Max(cvScore, bimodal);
            double dur = 0;
            if (bars >= 6)
            {
                double coverage = Math.Min(1, Math.Ceiling((ts[^1] - ts[0]) / span * 1000) / 1000);
                int longest = 0, run = 0;
                for (int i = 0; i < 48; i++)
                {
                    run = bins[i % 24] > 0 ? run + 1 : 0;
                    longest = Math.Max(longest, Math.Min(24, run));
                }
                double consistency = Math.Min(1, Math.Ceiling(longest / 12.0 * 1000) / 1000);
                dur = Math.Max(coverage, consistency);
            }
            double score = Math.Round((tsScore + dsScore + hist + dur) / 4 * 1000) / 1000;
            result.Add(new Pair(src.ToString(), dst.ToString(), list.Count, score));
        }
        return result;
    }

    private static double Dispersion(double[] sorted, double madDefault)
    {
        var (q1, q2, q3) = RobustStatistics.QuartilesOfSorted(sorted);
        double skew = q3 - q1 >= 10 && q2 != q1 && q2 != q3 ? (q1 + q3 - 2 * q2) / (q3 - q1) : 0;
        double mad = RobustStatistics.MedianAbsoluteDeviation(sorted, q2, new double[sorted.Length]);
        double madScore = q2 >= 1 ? Math.Max(0, (q2 - mad) / q2) : madDefault;
        return ((1 - Math.Abs(skew)) + madScore) / 2;
    }
}
