using FlowForensics.Analysis.Hunting;
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

    private ReportAnalysis(string sheetName, string description, Action<FlowRecord> add, Func<IEnumerable<object>> results)
    {
        ArgumentException.ThrowIfNullOrEmpty(sheetName);
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

    /// <summary>The hunt behind this analysis; null for a statistic.</summary>
    public IHunt? Hunt { get; private init; }

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
    /// A hunt, on the sheet named by its <see cref="IHunt.Title"/>; flows that <paramref name="exclusion"/> allowlists are
    /// left out of it, as <c>-Exclude</c> does on the Find-* cmdlets.
    /// </summary>
    public static ReportAnalysis ForHunt(IHunt hunt, FlowExclusion? exclusion = null)
    {
        ArgumentNullException.ThrowIfNull(hunt);
        var excluded = exclusion is { IsEmpty: false } ? exclusion : null;
        Action<FlowRecord> add = excluded is null ? hunt.Add : flow => { if (!excluded.Excludes(flow)) hunt.Add(flow); };
        return new ReportAnalysis(hunt.Title, $"{hunt.Description}, findings scoring at least {hunt.Options.MinimumScore:0.##}", add,
            () => hunt.GetFindings())
        {
            FindingType = hunt.FindingType,
            Hunt = hunt,
        };
    }
}

/// <summary>
/// The standard analyses of Export-FlowReport: three top-N statistics, then the hunts (by default
/// <see cref="HuntSettings.CreateHunts"/>), one sheet each.
/// </summary>
public static class StandardReportAnalyses
{
    /// <summary>The top-N statistics, <paramref name="top"/> rows in each.</summary>
    public static IReadOnlyList<ReportAnalysis> Statistics(int top) =>
    [
        ReportAnalysis.TopN("Top talkers", "Address", TopNOrder.Bytes, top,
            "addresses ranked by bytes; a flow counts for both its source and its destination (Measure-FlowTopN -Property Address -OrderBy Bytes)"),
        ReportAnalysis.TopN("Top ports", "DstPort", TopNOrder.Flows, top,
            "destination ports ranked by flows, counting flows towards the service (destination port not above the source port), so replies to a " +
            "client's or a scanner's ephemeral port are left out (Measure-FlowTopN -Property DstPort over those flows)",
            ReportAnalysis.TowardsService),
        ReportAnalysis.TopN("Top conversations", "Conversation", TopNOrder.Bytes, top,
            "protocol, source and destination address and port ranked by bytes (Measure-FlowTopN -Property Conversation -OrderBy Bytes)"),
    ];

    /// <summary>Fresh analyses for one report: the statistics, then <paramref name="hunts"/> (default: the standard hunts with <paramref name="settings"/>).</summary>
    public static IReadOnlyList<ReportAnalysis> Create(int top, HuntSettings? settings = null, IReadOnlyList<IHunt>? hunts = null)
    {
        settings ??= new HuntSettings();
        hunts ??= settings.CreateHunts();
        return [.. Statistics(top), .. hunts.Select(h => ReportAnalysis.ForHunt(h, settings.Exclusion))];
    }
}
