using FlowForensics.Analysis.Beacons;
using FlowForensics.Analysis.Exfiltration;
using FlowForensics.Analysis.LateralMovement;
using FlowForensics.Analysis.Scan;
using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;

namespace FlowForensics.Reporting;

/// <summary>
/// One analysis a report runs over its flows (a statistic or a hunt) and the sheet its results go to. The results are
/// flat objects; each becomes a row, its public properties the columns.
/// </summary>
public sealed class ReportAnalysis
{
    private readonly Action<FlowRecord> _add;
    private readonly Func<IEnumerable<object>> _results;

    public ReportAnalysis(string sheetName, string description, Action<FlowRecord> add, Func<IEnumerable<object>> results)
    {
        ArgumentException.ThrowIfNullOrEmpty(sheetName);
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(results);
        SheetName = sheetName;
        Description = description ?? "";
        _add = add;
        _results = results;
    }

    /// <summary>The sheet the results go to.</summary>
    public string SheetName { get; }

    /// <summary>What the sheet holds, said on the summary.</summary>
    public string Description { get; }

    /// <summary>The type of a hunt's findings; null for a statistic. When findings of this type come down the pipeline,
    /// the report lists those and does not run the hunt again (the user's own run, with its settings, wins).</summary>
    public Type? FindingType { get; private init; }

    /// <summary>One selected flow.</summary>
    public void Add(FlowRecord flow) => _add(flow);

    /// <summary>The results, once every flow was added.</summary>
    public IEnumerable<object> Results() => _results();

    /// <summary>
    /// A top-N statistic (Measure-FlowTopN's engine): <paramref name="property"/> ranked by <paramref name="order"/>,
    /// over the flows <paramref name="where"/> accepts (all when null).
    /// </summary>
    public static ReportAnalysis TopN(string sheetName, string property, TopNOrder order, int top, string description, Func<FlowRecord, bool>? where = null)
    {
        var options = new TopNOptions(TopNOptions.ParseProperties([property])) { Order = order, Top = top };
        var aggregator = new TopNAggregator(options);
        Action<FlowRecord> add = where is null ? aggregator.Add : f =>
        {
            if (where(f)) aggregator.Add(f);
        };
        return new ReportAnalysis(sheetName, description, add, aggregator.GetRows);
    }

    /// <summary>
    /// True when a flow goes towards its service side: its destination port is not above its source port (TCP and
    /// UDP), or it has no ports. A reply from port 443 to an ephemeral port is not, so a scanner's source port, which
    /// every refused probe answers, does not lead the ports.
    /// </summary>
    public static bool TowardsService(FlowRecord flow) => flow.Protocol is not (6 or 17) || flow.DstPort <= flow.SrcPort;

    /// <summary>
    /// A hunt: <paramref name="add"/> feeds <paramref name="detector"/> each flow, <paramref name="findings"/> reads its
    /// findings at the end. Adding a hunt to the report is one line in <see cref="StandardReportAnalyses.Create"/>.
    /// </summary>
    public static ReportAnalysis Hunt<TDetector, TFinding>(string sheetName, string description, TDetector detector,
        Action<TDetector, FlowRecord> add, Func<TDetector, IEnumerable<TFinding>> findings)
        where TFinding : notnull
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(findings);
        return new ReportAnalysis(sheetName, description, f => add(detector, f), () => findings(detector).Cast<object>())
        {
            FindingType = typeof(TFinding),
        };
    }
}

/// <summary>
/// The standard analyses of Export-FlowReport: every report runs these over the flows it receives, one sheet each.
/// This list is the one place to add a hunt to the report (one line each, see <see cref="ReportAnalysis.Hunt"/>).
/// </summary>
public static class StandardReportAnalyses
{
    /// <summary>Fresh analyses for one report; <paramref name="top"/> rows in each top-N sheet.</summary>
    public static IReadOnlyList<ReportAnalysis> Create(int top) =>
    [
        ReportAnalysis.TopN("Top talkers", "Address", TopNOrder.Bytes, top,
            "addresses ranked by bytes; a flow counts for both its source and its destination (Measure-FlowTopN -Property Address -OrderBy Bytes)"),
        ReportAnalysis.TopN("Top ports", "DstPort", TopNOrder.Flows, top,
            "destination ports ranked by flows, counting flows towards the service (destination port not above the source port), so replies to a " +
            "client's or a scanner's ephemeral port are left out (Measure-FlowTopN -Property DstPort over those flows)",
            ReportAnalysis.TowardsService),
        ReportAnalysis.TopN("Top conversations", "Conversation", TopNOrder.Bytes, top,
            "protocol, source and destination address and port ranked by bytes (Measure-FlowTopN -Property Conversation -OrderBy Bytes)"),
        ReportAnalysis.Hunt("Beacons", "periodic connections scored on timing, size, coverage and evenness, default settings (Find-FlowBeacon)",
            new BeaconDetector(new BeaconOptions()), static (d, f) => d.Add(f), static d => d.GetFindings()),
        ReportAnalysis.Hunt("Exfiltration", "large uploads, unusual ports, ratio shifts, off-hours transfers, DNS and ICMP tunnels, default settings (Find-FlowExfiltration)",
            new ExfiltrationDetector(new ExfiltrationOptions()), static (d, f) => d.Add(f), static d => d.GetFindings()),
        ReportAnalysis.Hunt("Scans", "horizontal, vertical and block scans, sweeps and probe types, default settings (Find-FlowScan)",
            new ScanDetector(new ScanDetectorOptions()), static (d, f) => d.Add(f), static d => d.GetFindings()),
        ReportAnalysis.Hunt("Lateral movement", "inside-to-inside administration connections, chains and fan-out, default settings (Find-FlowLateralMovement)",
            new LateralMovementDetector(new LateralMovementOptions()), static (d, f) => d.Add(f), static d => d.GetFindings()),
    ];
}
