using System.Net;

namespace FlowForensics.Export;

/// <summary>How many datagrams from <paramref name="Exporter"/> were malformed for <paramref name="Reason"/>.</summary>
public sealed record ExportFault(IPAddress Exporter, ExportDecodeStatus Reason, long Count)
{
    /// <summary>"Exporter Reason=Count", e.g. <c>192.0.2.1 TooShort=2</c>.</summary>
    public override string ToString() => $"{Exporter} {Reason}={Count}";

    /// <summary>The faults as one flat string, "; " between them (empty when none).</summary>
    public static string Join(IEnumerable<ExportFault> faults) => string.Join("; ", faults);
}
