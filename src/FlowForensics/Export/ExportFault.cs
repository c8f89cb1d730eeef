using System.Net;

namespace FlowForensics.Export;

/// <summary>How many datagrams from <paramref name="Exporter"/> were malformed for <paramref name="Reason"/>.</summary>
public sealed record ExportFault(IPAddress Exporter, ExportDecodeStatus Reason, long Count)
{
    /// <summary>"Exporter Reason=Count", e.g. <c>192.0.2.1 TooShort=2</c>.</summary>
    public override string ToString() => $"{Exporter} {Reason}={Count}";

    /// <summary>(exporter, reason) pairs <see cref="Join"/> lists at most, the most frequent first.</summary>
    public const int JoinLimit = 20;

    /// <summary>
    /// The faults as one flat string, "; " between them (empty when none): at most <see cref="JoinLimit"/> pairs, the
    /// most frequent first, then how many pairs and datagrams were left out, so a flood of spoofed sources gives a
    /// summary line, not a 100 KB string (the counts themselves stay complete in the collector's status).
    /// </summary>
    public static string Join(IEnumerable<ExportFault> faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        var all = faults as IReadOnlyCollection<ExportFault> ?? faults.ToList();
        if (all.Count <= JoinLimit) return string.Join("; ", all);
        var top = all.OrderByDescending(static f => f.Count).Take(JoinLimit).ToList();
        long leftDatagrams = all.Sum(static f => f.Count) - top.Sum(static f => f.Count);
        return string.Join("; ", top) + $"; … and {all.Count - JoinLimit:N0} more (exporter, reason) pairs with {leftDatagrams:N0} datagrams";
    }
}
